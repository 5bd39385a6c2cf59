// The configuration loader: units, defaults, relative paths, YAML and JSON,
// MAILROOM_CONFIG, and the cached slice sendmail uses (config/submit-view.ts)
// agreeing with the full loader on everything submission needs.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig, submitViewOf, validateConfig } from '../../src/config/load.js';
import { cachePathFor, cachedSubmitView, defaultSubmitView } from '../../src/config/submit-view.js';
import { loadSubmitView } from '../../src/submit/sendmail/load-view.js';
import { defaultHostname } from '../../src/config/defaults.js';
import { ConfigError } from '../../src/shared/errors.js';
import { parseDuration, parseSize } from '../../src/shared/units.js';
import { BIN, run, sandbox, type Sandbox } from '../helpers/env.js';

let sb: Sandbox;
before(() => {
  sb = sandbox();
});
after(() => sb.cleanup());

function file(name: string, text: string): string {
  const f = join(sb.dir, name);
  mkdirSync(join(f, '..'), { recursive: true });
  writeFileSync(f, text);
  return f;
}

test('durations', () => {
  const cases: [string | number, number | undefined][] = [
    ['30s', 30_000],
    ['5m', 300_000],
    ['4h', 14_400_000],
    ['5d', 432_000_000],
    ['1w', 604_800_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    [' 10M ', 600_000],
    [90, 90_000], // a bare number is seconds
    ['5x', undefined],
    ['', undefined],
    ['m', undefined],
    ['-5m', undefined],
    ['5 minutes', undefined],
    [-1, undefined],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, JSON.stringify(text));
});

test('sizes', () => {
  const cases: [string | number, number | undefined][] = [
    ['25MB', 25 * 1024 * 1024],
    ['512KB', 512 * 1024],
    ['512k', 512 * 1024],
    ['1g', 1024 ** 3],
    ['100', 100],
    ['100b', 100],
    [4096, 4096],
    ['MB', undefined],
    ['25 parsecs', undefined],
    ['-1MB', undefined],
    [1.5, undefined],
  ];
  for (const [text, n] of cases) assert.equal(parseSize(text), n, JSON.stringify(text));
});

test('defaults of an empty file', async () => {
  const c = await loadConfig(file('empty/mailroom.yaml', ''));
  assert.equal(c.hostname, defaultHostname());
  assert.equal(c.spool, '/var/spool/mailroom');
  assert.deepEqual(c.socket, { path: '/run/mailroom/submit.sock', lmtp: false });
  assert.equal(c.maxMessageSize, 25 * 1024 * 1024);
  assert.equal(c.masquerade, undefined);
  assert.deepEqual(c.local.domains, ['localhost', defaultHostname().toLowerCase()]);
  assert.equal(c.local.format, 'maildir');
  assert.equal(c.relay.mode, 'mx');
  assert.deepEqual(c.relay.retry, [5, 10, 30, 60, 120, 240].map((m) => m * 60_000));
  assert.equal(c.relay.maxAge, 5 * 86_400_000);
  assert.equal(c.relay.concurrency, 8);
  assert.deepEqual(c.relay.timeouts, { connect: 30_000, greeting: 300_000, command: 300_000, data: 600_000 });
  assert.equal(c.log.level, 'info');
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.relay) && Object.isFrozen(c.relay.retry), 'the config is frozen');
});

test('relative paths are resolved against the config file directory, not the cwd', async () => {
  const f = file(
    'etc/sub/rel.yaml',
    `spool: ./spool
socket: ../run/submit.sock
aliases: aliases
users: ./users
local: { mailboxes: mail }
tls: { cert: certs/c.pem, key: /abs/k.pem }
dkim: [{ domain: example.com, selector: s1, privateKeyFile: dkim/s1.key }]
relay:
  mode: smarthost
  smarthosts: [{ host: smtp.example.com, auth: { user: u, passwordFile: secret } }]
`,
  );
  const d = join(sb.dir, 'etc/sub');
  const c = await loadConfig(f, { checkFiles: false }); // the files it names are not there
  await assert.rejects(loadConfig(f), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.issues.map((i) => i.path), ['tls.cert', 'tls.key', 'dkim[0].privateKeyFile', 'relay.smarthosts[0].auth.passwordFile', 'aliases']);
    return true;
  });
  assert.equal(c.spool, join(d, 'spool'));
  assert.equal(c.socket.path, join(sb.dir, 'etc/run/submit.sock'));
  assert.equal(c.aliases, join(d, 'aliases'));
  assert.equal(c.users, join(d, 'users'));
  assert.equal(c.local.mailboxes, join(d, 'mail'));
  assert.deepEqual(c.tls, { cert: join(d, 'certs/c.pem'), key: '/abs/k.pem' });
  assert.equal(c.dkim[0]!.privateKeyFile, join(d, 'dkim/s1.key'));
  assert.equal(c.relay.smarthosts[0]!.auth!.passwordFile, join(d, 'secret'));
});

test('JSON and YAML files give the same configuration', async () => {
  const y = file('fmt/mailroom.yaml', 'hostname: mx.example.org\nspool: ./q\nmaxMessageSize: 10MB\nrelay:\n  retry: [1m, 1h]\n');
  const j = file('fmt/mailroom.json', JSON.stringify({ hostname: 'mx.example.org', spool: './q', maxMessageSize: '10MB', relay: { retry: ['1m', '1h'] } }));
  const a = await loadConfig(y);
  const b = await loadConfig(j);
  assert.deepEqual({ ...a, file: undefined }, { ...b, file: undefined });
  assert.equal(b.relay.retry[1], 3_600_000);
  await assert.rejects(loadConfig(file('fmt/bad.json', '{"hostname": ')), (e: unknown) => e instanceof ConfigError && /cannot parse/.test(e.message));
});

test('MAILROOM_CONFIG chooses the file when --config is not given', async () => {
  const f = file('env/chosen.yaml', 'hostname: from-env.example\nspool: ./s\n');
  const saved = process.env.MAILROOM_CONFIG;
  process.env.MAILROOM_CONFIG = f;
  try {
    const c = await loadConfig();
    assert.equal(c.hostname, 'from-env.example');
    assert.equal(c.file, f);
    assert.equal((await loadSubmitView(undefined)).hostname, 'from-env.example');
    const other = file('env/other.yaml', 'hostname: explicit.example\n');
    assert.equal((await loadConfig(other)).hostname, 'explicit.example', '--config wins over the variable');
  } finally {
    if (saved === undefined) delete process.env.MAILROOM_CONFIG;
    else process.env.MAILROOM_CONFIG = saved;
  }
  const r = await run(join(BIN, 'mailroom'), ['config', 'show'], '', { env: { MAILROOM_CONFIG: f } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /hostname: from-env\.example/);
});

test('the cached submission view agrees with the full loader', async () => {
  const configs: [string, string][] = [
    ['minimal.yaml', 'spool: ./spool\n'],
    ['full.yaml', 'hostname: Web1.Example.COM\nspool: ./var/spool\nsocket: { path: ./run/lmtp.sock, lmtp: true }\nmasquerade: example.com\nmaxMessageSize: 10.5MB\nlocal:\n  domains: [LocalHost, Web1.Example.COM, Other.Example]\nrelay: { mode: mx }\n'],
    ['hostonly.yaml', 'hostname: solo.example\nsocket: /abs/submit.sock\nmaxMessageSize: 512k\n'],
    ['object-socket.yaml', 'socket:\n  path: s.sock\nmaxMessageSize: 1000000\nlocal: { domains: [] }\n'],
    ['numbers.json', JSON.stringify({ hostname: 'j.example', spool: 'q', socket: 'run/x.sock', maxMessageSize: 1048576, masquerade: 'example.net' })],
    ['with-relay.yaml', 'hostname: r.example\nspool: /var/spool/r\nrelay:\n  mode: smarthost\n  smarthosts: [{ host: smtp.example.com }]\nlisten: [{ address: "127.0.0.1:2525", tls: none, auth: none }]\n'],
  ];
  for (const [name, text] of configs) {
    const f = file(`parity/${name}`, text);
    rmSync(cachePathFor(f), { force: true });
    assert.equal(cachedSubmitView(f).view, undefined, `${name}: no cache yet`);
    const viaMiss = await loadSubmitView(f); // validates fully, writes the cache
    const full = submitViewOf(await loadConfig(f));
    const cached = cachedSubmitView(f).view;
    assert.ok(cached, `${name}: the cache was written`);
    assert.deepEqual(viaMiss, full, `${name}: loadSubmitView (miss)`);
    assert.deepEqual(cached, JSON.parse(JSON.stringify(full)), `${name}: the cache (JSON: no undefined keys)`);
  }
  assert.deepEqual(defaultSubmitView(), submitViewOf(validateConfig({})), 'the view without a config file is the built-in defaults');
});

test('the cache is ignored once the config file changes', async () => {
  const f = file('cache/mailroom.yaml', 'hostname: before.example\n');
  await loadConfig(f);
  assert.equal((await loadSubmitView(f)).hostname, 'before.example');
  writeFileSync(f, 'hostname: after.example.org\n'); // another size: the cache no longer matches
  assert.equal(cachedSubmitView(f).view, undefined);
  assert.equal((await loadSubmitView(f)).hostname, 'after.example.org');
});

test('the cache is stale once a file the configuration names is gone, and never written for a bad config', async () => {
  const aliases = file('gone/aliases', 'postmaster: root\n');
  const f = file('gone/mailroom.yaml', `hostname: gone.example\naliases: ${aliases}\n`);
  await loadConfig(f);
  assert.ok(cachedSubmitView(f).view);
  rmSync(aliases);
  assert.equal(cachedSubmitView(f).view, undefined, 'the aliases file it needs is gone');
  await assert.rejects(loadSubmitView(f), (e: unknown) => e instanceof ConfigError && e.issues[0]?.path === 'aliases');
  const bad = file('gone/bad.yaml', 'relay: { mode: carrier-pigeon }\n');
  await assert.rejects(loadConfig(bad), (e: unknown) => e instanceof ConfigError && e.issues[0]?.path === 'relay.mode');
  await assert.rejects(loadSubmitView(bad), ConfigError);
  assert.equal(existsSync(cachePathFor(bad)), false);
});

test('JavaScript configs (CommonJS and ES module) read the same through the cache', async () => {
  const cjs = file('js/mailroom.config.cjs', "module.exports = { hostname: 'cjs.example', spool: './spool', socket: { path: './run/s.sock', lmtp: true }, maxMessageSize: '2MB' };\n");
  const mjs = file('js/mailroom.config.mjs', "export default { hostname: 'esm.example', spool: './spool', masquerade: 'example.org', local: { domains: ['esm.example'] } };\n");
  for (const f of [cjs, mjs]) {
    rmSync(cachePathFor(f), { force: true });
    const miss = await loadSubmitView(f);
    assert.deepEqual(cachedSubmitView(f).view, JSON.parse(JSON.stringify(miss)), `${f}: cached`);
    assert.deepEqual(miss, submitViewOf(await loadConfig(f)), f);
  }
  assert.equal((await loadSubmitView(cjs)).socket.lmtp, true);
  assert.equal((await loadSubmitView(mjs)).masquerade, 'example.org');
});

// `mailroom test ADDR [--connect] [--from]`: the route an address would take
// (smart hosts in order, the route chosen by sender, MX hosts by preference,
// alias expansion) and, with --connect, a real check of the smart host
// (Debian's aiosmtpd with STARTTLS and AUTH) that sends no mail.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mailroom, type Sandbox } from '../helpers/env.js';
import { makeCert, startDns, startSmartHost, type SmartHost } from './peers.js';
import { relaySandbox } from './sandbox.js';

let sb: Sandbox;
let host: SmartHost;
let cert: { cert: string; key: string };
const cleanups: (() => Promise<unknown> | void)[] = [];

before(async () => {
  sb = relaySandbox((dir) => {
    cert = makeCert(dir);
    writeFileSync(join(dir, 'good'), 's3cret\n', { mode: 0o600 });
    writeFileSync(join(dir, 'bad'), 'wrong\n', { mode: 0o600 });
    return '';
  });
  cleanups.push(() => sb.cleanup());
  host = await startSmartHost(sb.dir, 'smarthost', ['--cert', cert.cert, '--key', cert.key, '--auth', 'relay:s3cret']);
  cleanups.push(() => host.stop());
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Writes a config file next to the sandbox's and returns its path. */
function config(name: string, body: string): Sandbox {
  const path = join(sb.dir, `${name}.yaml`);
  writeFileSync(path, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\n${body}`);
  return { ...sb, config: path };
}

const smarthost = (password: 'good' | 'bad', port = host.port) =>
  `    - host: localhost\n      port: ${port}\n      tls: starttls\n      ca: ${cert.cert}\n      auth: { user: relay, passwordFile: ${sb.dir}/${password} }\n`;

test('--connect with good credentials: TLS yes, AUTH accepted, exit 0, no mail sent', async () => {
  const c = config('good', `relay:\n  mode: smarthost\n  smarthosts:\n${smarthost('good')}`);
  const r = await mailroom(c, ['test', 'bob@example.net', '--connect']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^bob@example\.net$/m);
  assert.match(r.stdout, new RegExp(`localhost:${host.port} tls=starttls auth=relay`));
  assert.match(r.stdout, new RegExp(`check: connected to localhost\\[127\\.0\\.0\\.1\\]:${host.port}, TLS yes, AUTH accepted for relay`));
  assert.doesNotMatch(r.stdout + r.stderr, /s3cret/);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(host.received().length, 0, 'a check sends no mail');
});

test('--connect with a wrong password: exit 69 and FAILED with the reason', async () => {
  const c = config('bad', `relay:\n  mode: smarthost\n  smarthosts:\n${smarthost('bad')}`);
  const r = await mailroom(c, ['test', 'bob@example.net', '--connect']);
  assert.equal(r.code, 69, r.stdout + r.stderr);
  assert.match(r.stdout, /check: FAILED: .*(535|authentication failed|credentials invalid)/i);
  assert.doesNotMatch(r.stdout + r.stderr, /wrong/);
  assert.equal(host.received().length, 0);
});

test('without --connect: the smart hosts in order, and the route chosen by --from', async () => {
  const c = config(
    'routes',
    `relay:\n  mode: smarthost\n  smarthosts:\n    - { host: first.example, port: 2525, tls: none }\n    - { host: second.example, port: 587, tls: starttls }\n` +
      `  routes:\n    - sender: "*@shop.example.com"\n      smarthosts:\n        - { host: smtp.shop.example, port: 465, tls: implicit }\n`,
  );
  const plain = await mailroom(c, ['test', 'carol@example.net']);
  assert.equal(plain.code, 0, plain.stdout + plain.stderr);
  const lines = plain.stdout.split('\n');
  const first = lines.findIndex((l) => /first\.example:2525 tls=none/.test(l));
  const second = lines.findIndex((l) => /second\.example:587 tls=starttls/.test(l));
  assert.ok(first > 0 && second > first, `smart hosts listed in order:\n${plain.stdout}`);
  assert.match(plain.stdout, /relay via smart hosts \(relay\.smarthosts\)/);
  assert.doesNotMatch(plain.stdout, /smtp\.shop\.example/);

  const shop = await mailroom(c, ['test', 'carol@example.net', '--from', 'orders@shop.example.com']);
  assert.equal(shop.code, 0, shop.stdout + shop.stderr);
  assert.match(shop.stdout, /route for \*@shop\.example\.com/);
  assert.match(shop.stdout, /smtp\.shop\.example:465 tls=implicit/);
  assert.doesNotMatch(shop.stdout, /first\.example|second\.example/);
});

test('relay.mode mx: the MX hosts in preference order (dnsmasq)', async () => {
  const dns = await startDns([
    '--local=/example.net/',
    '--mx-host=example.net,backup.example.net,30',
    '--mx-host=example.net,primary.example.net,10',
    '--mx-host=example.net,middle.example.net,20',
    '--host-record=primary.example.net,127.0.0.2',
    '--host-record=middle.example.net,127.0.0.3',
    '--host-record=backup.example.net,127.0.0.4',
  ]);
  cleanups.push(() => dns.stop());
  const c = config('mx', `relay:\n  mode: mx\n  mx: { port: 2525, dns: ["${dns.server}"] }\n`);
  const r = await mailroom(c, ['test', 'dave@example.net']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /relay to the MX hosts of example\.net, in order:/);
  const order = [...r.stdout.matchAll(/^\s+(\S+) \(preference (\d+)\) \[([^\]]*)\]$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
  assert.deepEqual(order, ['primary.example.net 10 127.0.0.2', 'middle.example.net 20 127.0.0.3', 'backup.example.net 30 127.0.0.4']);
});

test('a local alias shows its expansion and where each target goes', async () => {
  const c = config(
    'alias',
    `aliases:\n  root: [admin@example.net]\n  team: [root, "ops@example.org"]\nlocal:\n  domains: [test.example]\n  systemUsers: false\nrelay:\n  mode: smarthost\n  smarthosts:\n    - { host: relay.example, port: 25, tls: none }\n`,
  );
  const r = await mailroom(c, ['test', 'root']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /-> remote address admin@example\.net/);
  assert.match(r.stdout, /relay\.example:25 tls=none/);
  const chain = await mailroom(c, ['test', 'team@test.example']);
  assert.equal(chain.code, 0, chain.stdout + chain.stderr);
  assert.match(chain.stdout, /-> remote address admin@example\.net/);
  assert.match(chain.stdout, /-> remote address ops@example\.org/);
  const unknown = await mailroom(c, ['test', 'nobody@test.example']);
  assert.equal(unknown.code, 67, unknown.stdout + unknown.stderr);
  assert.match(unknown.stdout, /undeliverable nobody@test\.example/);
});

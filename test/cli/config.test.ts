// mailroom config check|show: every problem with its key path and a hint,
// exit 78 (EX_CONFIG); the effective configuration with secrets masked.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, run, sandbox, type Sandbox } from '../helpers/env.js';

let sb: Sandbox;
before(() => {
  sb = sandbox();
});
after(() => sb.cleanup());

function configFile(name: string, text: string): string {
  const f = join(sb.dir, name);
  writeFileSync(f, text);
  return f;
}
const mailroomWith = (file: string, args: string[]) => run(join(BIN, 'mailroom'), [...args, '--config', file]);

test('config check lists every mistake with its key path and a hint, exit 78', async () => {
  const f = configFile(
    'bad.yaml',
    `hostname: web1.example.com
spool: ./spool
colour: blue
maxMessageSize: 25 parsecs
relay:
  mode: smarthost
  concurrency: "eight"
  retry: [5m, 5x]
listen:
  - address: 127.0.0.1:2587
    tls: starttls
`,
  );
  const r = await mailroomWith(f, ['config', 'check']);
  assert.equal(r.code, 78, r.stdout + r.stderr);
  const problems: [string, RegExp][] = [
    ['colour', /unknown key/],
    ['relay.concurrency', /expected number/],
    ['relay.retry[1]', /not a duration: "5x"/],
    ['maxMessageSize', /not a size/],
    ['relay.smarthosts', /no smart host/],
    ['listen[0].tls', /no certificate/],
  ];
  const lines = r.stderr.split('\n');
  for (const [path, why] of problems) {
    const i = lines.findIndex((l) => l.trim().startsWith(`${path}: `));
    assert.ok(i >= 0, `${path} reported in:\n${r.stderr}`);
    assert.match(lines[i]!, why);
    assert.match(lines[i + 1] ?? '', /^\s+hint: \S/, `${path} has a hint`);
  }
  assert.match(r.stderr, /6 problems/);
});

test('a good config passes with exit 0', async () => {
  const secret = configFile('secret', 'hunter2\n');
  const f = configFile(
    'good.yaml',
    `hostname: web1.example.com
spool: ./spool
socket: ./run/submit.sock
maxMessageSize: 10MB
relay:
  mode: smarthost
  smarthosts:
    - host: smtp.example.com
      port: 587
      auth: { user: relay@example.com, passwordFile: ${secret} }
  retry: [1m, 5m]
  maxAge: 2d
`,
  );
  const r = await mailroomWith(f, ['config', 'check']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ok/);
});

test('a missing passwordFile is reported with its key path', async () => {
  const f = configFile(
    'nofile.yaml',
    `spool: ./spool
relay:
  mode: smarthost
  smarthosts:
    - host: smtp.example.com
      auth: { user: relay@example.com, passwordFile: ./does-not-exist }
`,
  );
  const r = await mailroomWith(f, ['config', 'check']);
  assert.equal(r.code, 78, r.stderr);
  assert.match(r.stderr, /relay\.smarthosts\[0\]\.auth\.passwordFile: file \S+does-not-exist does not exist/);
  assert.match(r.stderr, /hint: /);
});

test('config show prints the effective config with password and clientSecret masked', async () => {
  const f = configFile(
    'secrets.yaml',
    `hostname: web1.example.com
spool: ./spool
relay:
  mode: smarthost
  smarthosts:
    - host: smtp.example.com
      auth: { user: relay@example.com, password: "s3cret-pass" }
    - host: smtp.office365.com
      auth:
        user: me@example.com
        oauth2: { tokenUrl: "https://login.example.com/token", clientId: abc, clientSecret: "oauth-s3cret", refreshTokenFile: ./rt }
`,
  );
  const r = await mailroomWith(f, ['config', 'show']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes('s3cret-pass') && !r.stdout.includes('oauth-s3cret'), r.stdout);
  assert.match(r.stdout, /password: '?\*{8}'?/);
  assert.match(r.stdout, /clientSecret: '?\*{8}'?/);
  assert.match(r.stdout, /hostname: web1\.example\.com/);
  assert.match(r.stdout, new RegExp(`spool: ${join(sb.dir, 'spool').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`), 'paths resolved against the file');
  assert.match(r.stdout, /clientId: abc/);
  // show also works on a broken file? No: it fails with EX_CONFIG and the first problem
  const bad = await mailroomWith(configFile('broken.yaml', 'colour: 1\n'), ['config', 'show']);
  assert.equal(bad.code, 78);
  assert.match(bad.stderr, /colour: unknown key/);
});

test('a file that is not YAML, or does not exist, is EX_CONFIG', async () => {
  const r = await mailroomWith(configFile('junk.yaml', 'hostname: [unclosed\n'), ['config', 'check']);
  assert.equal(r.code, 78);
  assert.match(r.stderr, /cannot parse/);
  const gone = await mailroomWith(join(sb.dir, 'nope.yaml'), ['config', 'check']);
  assert.equal(gone.code, 78);
  assert.match(gone.stderr, /does not exist/);
});

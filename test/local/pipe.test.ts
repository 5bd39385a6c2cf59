// |command targets run as nobody with the message on stdin (exit 0 / 75 /
// other / time limit), and /file targets appended in mbox format.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { createLocalDelivery } from '../../src/local/deliver.js';
import { createLogger } from '../../src/shared/log.js';
import { replyLine } from '../../src/shared/replies.js';
import type { Envelope } from '../../src/spool/envelope.js';

let dir: string;
let pub: string;
const log = createLogger('error');
const env = { id: '01HZ8Q3M2K7T9V4X5Y', sender: 'alice@example.org' } as Envelope;
const msg = Buffer.from('Subject: piped\r\n\r\nFrom here\r\nbody\r\n');
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-pipe-'));
  chmodSync(dir, 0o755);
  pub = join(dir, 'public');
  mkdirSync(pub);
  chmodSync(pub, 0o777);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ld = () => createLocalDelivery(validateConfig({ hostname: 'test.example', local: { mailboxes: join(dir, 'mail') } }), log, { pipeTimeoutMs: 1500 });

test('a command runs as nobody, without root groups, with the message and trace headers on stdin', async () => {
  const cmd = `id -u > ${pub}/uid; id -G > ${pub}/groups; echo "$SENDER $RECIPIENT" > ${pub}/env; cat > ${pub}/msg`;
  const o = await ld().deliver({ kind: 'pipe', command: cmd, alias: 'archive' }, env, 'archive@test.example', msg);
  assert.deepEqual(o, { status: 'delivered', code: 250, enhanced: '2.0.0', text: 'delivered to command', relay: 'pipe:archive' });
  assert.equal(readFileSync(join(pub, 'uid'), 'utf8').trim(), '65534');
  assert.doesNotMatch(readFileSync(join(pub, 'groups'), 'utf8'), /\b0\b/);
  assert.equal(readFileSync(join(pub, 'env'), 'utf8'), 'alice@example.org archive@test.example\n');
  assert.equal(readFileSync(join(pub, 'msg'), 'utf8'), 'Return-Path: <alice@example.org>\nDelivered-To: archive@test.example\nSubject: piped\n\nFrom here\nbody\n');
});

test('exit 75 defers, another exit fails with the first stderr line, the time limit defers and kills', async () => {
  const d = ld();
  const t = await d.deliver({ kind: 'pipe', command: 'cat >/dev/null; exit 75', alias: 'a' }, env, 'a@test.example', msg);
  assert.equal(t.status, 'deferred');
  assert.match(replyLine(t), /^451 4\.3\.0 /);
  const f = await d.deliver({ kind: 'pipe', command: 'echo "  " >&2; echo "no such list" >&2; echo second >&2; exit 3', alias: 'a' }, env, 'a@test.example', msg);
  assert.deepEqual(f, { status: 'failed', code: 550, enhanced: '5.3.0', text: 'command failed (exit 3): no such list', relay: 'pipe:a' });
  const ignoresInput = await d.deliver({ kind: 'pipe', command: 'exit 0', alias: 'a' }, env, 'a@test.example', Buffer.alloc(1 << 20, 0x61));
  assert.equal(ignoresInput.status, 'delivered');
  const started = Date.now();
  const slow = await d.deliver({ kind: 'pipe', command: `sleep 30; touch ${pub}/slow-finished`, alias: 'a' }, env, 'a@test.example', msg);
  assert.equal(slow.status, 'deferred');
  assert.match(replyLine(slow), /timed out/);
  assert.ok(Date.now() - started < 10_000);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(existsSync(join(pub, 'slow-finished')), false);
});

test('/file targets: root-owned files are appended by the daemon, others by nobody', async () => {
  const d = ld();
  const rootFile = join(dir, 'all-mail');
  const o = await d.deliver({ kind: 'file', path: rootFile, alias: 'archive' }, env, 'archive@test.example', msg);
  assert.deepEqual(o, { status: 'delivered', code: 250, enhanced: '2.0.0', text: 'appended to file', relay: `file:${rootFile}` });
  await d.deliver({ kind: 'file', path: rootFile, alias: 'archive' }, env, 'archive@test.example', msg);
  const text = readFileSync(rootFile, 'utf8');
  assert.equal(text.match(/^From alice@example\.org /gm)?.length, 2);
  assert.equal(text.match(/^>From here$/gm)?.length, 2);
  assert.equal(statSync(rootFile).mode & 0o777, 0o600);

  const nobodyFile = join(pub, 'nobody-log');
  writeFileSync(nobodyFile, '');
  chownSync(nobodyFile, 65534, 65534);
  const n = await d.deliver({ kind: 'file', path: nobodyFile, alias: 'log' }, env, 'log@test.example', msg);
  assert.equal(n.status, 'delivered', replyLine(n));
  assert.match(readFileSync(nobodyFile, 'utf8'), /^From alice@example\.org .*\nReturn-Path/);
  // A file of another user that nobody may not write: retried, not written as root.
  const guarded = join(pub, 'guarded');
  writeFileSync(guarded, 'keep\n', { mode: 0o600 });
  chownSync(guarded, 1, 1);
  const g = await d.deliver({ kind: 'file', path: guarded, alias: 'log' }, env, 'log@test.example', msg);
  assert.equal(g.status, 'deferred');
  assert.equal(readFileSync(guarded, 'utf8'), 'keep\n');
});

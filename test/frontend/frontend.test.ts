// The compiled sendmail front end (native/sendmail) and the daemon's end of its
// socket (src/submit/frontend/): with the daemon up a plain submission is
// stored by the daemon before sendmail exits, as the caller the kernel names;
// whenever the daemon cannot have stored it (down, gone before the commit,
// silent, another config, arguments past its bounds) the Node path writes
// maildrop/; once the client has said "commit" a lost answer is exit 75 and
// never a second copy through maildrop/.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BIN, ROOT, maildropNames, queuedIds, readDrops, readQueued, run, sandbox, splitMessage, startDaemon, waitFor, type DaemonProc, type RunResult, type Sandbox } from '../helpers/env.js';
import { fakeDaemon, type Stop } from './fake-daemon.js';

const FE = join(ROOT, 'native/sendmail/build/mailroom-sendmail');
const skip = existsSync(FE) ? false : 'the front end is not built (no C compiler at install)';

const boxes: Sandbox[] = [];
const daemons: DaemonProc[] = [];
after(async () => {
  for (const d of daemons) if (d.proc.exitCode === null && d.proc.signalCode === null) await d.stop();
  boxes.forEach((b) => b.cleanup());
});
function box(extra = '', opts: { worldReadable?: boolean } = {}): Sandbox {
  const sb = sandbox(extra, { ...opts, ownDaemon: true });
  boxes.push(sb);
  return sb;
}
async function up(sb: Sandbox): Promise<DaemonProc> {
  const d = await startDaemon(sb);
  daemons.push(d);
  return d;
}
const feSocket = (sb: Sandbox) => join(sb.dir, 'run/sendmail.sock');
const env = (sb: Sandbox, socket = feSocket(sb)) => ({ MAILROOM_CONFIG: sb.config, MAILROOM_SENDMAIL_SOCKET: socket });
function submit(sb: Sandbox, args: string[], input: string | Buffer, opts: { socket?: string; asUser?: string } = {}): Promise<RunResult> {
  return run(join(BIN, 'sendmail'), args, input, { env: env(sb, opts.socket), ...(opts.asUser ? { asUser: opts.asUser } : {}) });
}
const body = (eml: Buffer) => splitMessage(eml).body.toString('latin1');

test('with the daemon up, a plain submission is stored by the daemon before sendmail exits, never through maildrop/', { skip }, async () => {
  const sb = box();
  const d = await up(sb);
  const r = await submit(sb, ['-i', '-f', 'app@x.example', 'ops@x.example'], 'Subject: fe\n\nhello\n');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  // Durable at exit: already in the queue, no poll.
  const ids = queuedIds(sb);
  assert.equal(ids.length, 1, 'queued when sendmail exits');
  assert.deepEqual(readdirSync(join(sb.spool, 'maildrop')), []);
  const q = readQueued(sb, ids[0]!)!;
  assert.equal(q.env.source, 'sendmail');
  assert.equal(q.env.uid, 0);
  assert.equal(q.env.user, 'root');
  assert.equal(q.env.sender, 'app@x.example');
  assert.match(q.eml.toString('latin1'), /^Received: by test\.example \(mailroom, from userid 0\)\r\n/);
  await d.waitLog(new RegExp(`${ids[0]}: queued .*frontend=true`));
});

test('a 10 MB message goes through the front end, byte for byte', { skip }, async () => {
  const sb = box();
  await up(sb);
  const line = `${'0123456789'.repeat(9)}abcdefghi\n`; // 100 octets
  const text = line.repeat(100_000);
  const r = await submit(sb, ['-i', 'ops@x.example'], `Subject: big\n\n${text}`);
  assert.equal(r.code, 0, r.stderr);
  const [id] = queuedIds(sb);
  assert.ok(id, 'queued');
  assert.equal(body(readQueued(sb, id)!.eml), text.replace(/\n/g, '\r\n'));
  assert.deepEqual(maildropNames(sb), []);
});

const rootWithSetpriv = process.getuid?.() === 0 && (await run('setpriv', ['--version']).then((r) => r.code === 0, () => false));
test('an unprivileged caller is who the kernel says, not what the client could claim', { skip: skip || (rootWithSetpriv ? false : 'needs root and setpriv') }, async () => {
  const sb = box('', { worldReadable: true });
  await up(sb);
  const nobody = Number((await run('id', ['-u', 'nobody'])).stdout.trim());
  const r = await run(join(BIN, 'sendmail'), ['-i', 'ops@x.example'], 'Subject: nobody\n\nhi\n', { asUser: 'nobody', env: { ...env(sb), USER: 'root', LOGNAME: 'root' } });
  assert.equal(r.code, 0, r.stderr);
  const [id] = queuedIds(sb);
  assert.ok(id, 'queued at once (through the daemon)');
  const q = readQueued(sb, id)!;
  assert.equal(q.env.uid, nobody);
  assert.equal(q.env.user, 'nobody');
  assert.equal(q.env.sender, 'nobody@test.example');
  assert.match(q.eml.toString('latin1'), new RegExp(`^Received: by test\\.example \\(mailroom, from userid ${nobody}\\)`));
  assert.deepEqual(maildropNames(sb), []);
});

test('the daemon killed while the message is still coming: the Node path stores it, once', { skip }, async () => {
  const sb = box();
  const d = await up(sb);
  const child = spawn(join(BIN, 'sendmail'), ['-i', 'ops@x.example'], { env: { ...process.env, ...env(sb) }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const first = 'Subject: interrupted\n\n' + 'first half\n'.repeat(10_000);
  child.stdin.write(first);
  // The client has the daemon's go-ahead once it keeps a copy of stdin (its memfd).
  const hasCopy = () => {
    try {
      return readdirSync(`/proc/${child.pid}/fd`).some((f) => /memfd:sendmail-message/.test(readlinkQuiet(`/proc/${child.pid}/fd/${f}`)));
    } catch {
      return false;
    }
  };
  await waitFor(hasCopy, 10_000, 'the client streaming to the daemon');
  await d.kill();
  child.stdin.end('second half\n');
  assert.equal(await exited, 0, stderr);
  const drops = readDrops(sb);
  assert.equal(drops.length, 1, 'the Node path wrote maildrop/');
  assert.equal(body(drops[0]!.content), ('first half\n'.repeat(10_000) + 'second half\n').replace(/\n/g, '\r\n'));
  assert.deepEqual(queuedIds(sb), [], 'the killed daemon stored nothing');
  const d2 = await up(sb);
  await waitFor(() => maildropNames(sb).length === 0 && queuedIds(sb).length === 1, 10_000, 'pickup');
  await d2.stop();
  assert.deepEqual(queuedIds(sb), [drops[0]!.id], 'one copy');
});

function readlinkQuiet(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return '';
  }
}

const cases: [Stop, string, number, RegExp | undefined, number][] = [
  ['after-start', 'gone after the arguments', 0, undefined, 1],
  ['after-first-data', 'gone after the first chunk of the message', 0, undefined, 1],
  ['silent', 'silent (the client waits a few seconds)', 0, undefined, 1],
  ['after-commit', "gone after the client's commit", 75, /^sendmail: the mail daemon went away after it took the message: it may or may not be queued/, 0],
];
for (const [stop, what, code, stderr, drops] of cases) {
  test(`a daemon ${what}: exit ${code}, ${drops ? 'the message in maildrop/ in full' : 'nothing resubmitted through maildrop/'}`, { skip }, async () => {
    const sb = box();
    const fake = await fakeDaemon(join(sb.dir, 'fake.sock'), stop);
    try {
      const text = 'line of the message\n'.repeat(20_000); // 400 KB: several chunks
      const r = await submit(sb, ['-i', 'ops@x.example'], `Subject: ${stop}\n\n${text}`, { socket: join(sb.dir, 'fake.sock') });
      assert.equal(r.code, code, r.stderr);
      if (stderr) assert.match(r.stderr, stderr);
      else assert.equal(r.stderr, '');
      const got = readDrops(sb);
      assert.equal(got.length, drops);
      if (drops) assert.equal(body(got[0]!.content), text.replace(/\n/g, '\r\n'));
      assert.equal(fake.frames[0], 'H');
      if (stop === 'after-commit') assert.equal(fake.frames.at(-1), 'C');
    } finally {
      await fake.close();
    }
  });
}

test('what the daemon does not take goes to the Node path: arguments past its bounds, another configuration', { skip }, async () => {
  const sb = box();
  const d = await up(sb);
  const many = Array.from({ length: 5000 }, (_, i) => `r${i}@x.example`);
  const r = await submit(sb, ['-i', ...many], 'Subject: many\n\nbody\n');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => queuedIds(sb).length === 1, 10_000, 'pickup from maildrop/');
  const [id] = queuedIds(sb);
  await d.waitLog(new RegExp(`${id}: queued .*via=sendmail uid=0 user=root\\n`));
  assert.equal(readQueued(sb, id!)!.env.recipients.length, 5000);

  const other = box();
  const r2 = await run(join(BIN, 'sendmail'), ['-i', 'ops@x.example'], 'Subject: other\n\nbody\n', { env: { MAILROOM_CONFIG: other.config, MAILROOM_SENDMAIL_SOCKET: feSocket(sb) } });
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(readDrops(other).length, 1, "written to the other configuration's maildrop/");
  assert.equal(queuedIds(sb).length, 1, 'not stored by this daemon');
});

test('garbage on the front-end socket is dropped and the daemon goes on', { skip }, async () => {
  const sb = box();
  await up(sb);
  const closed = await new Promise<boolean>((resolve) => {
    const c = connect(feSocket(sb), () => c.write(Buffer.from('Zjunk\0\0\0\0')));
    c.on('error', () => undefined);
    c.on('close', () => resolve(true));
    setTimeout(() => resolve(false), 10_000).unref();
  });
  assert.ok(closed, 'the daemon closed the connection');
  const r = await submit(sb, ['-i', 'ops@x.example'], 'Subject: after\n\nbody\n');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(queuedIds(sb).length, 1);
});

test('without a C compiler the build fails (npm then skips the optional package) and leaves no binary behind', async () => {
  const b = await run('sh', [join(ROOT, 'native/sendmail/build.sh')], '', { env: { CC: '/nonexistent/cc' } });
  assert.notEqual(b.code, 0, 'the build fails without a compiler');
  assert.ok(!existsSync(join(ROOT, 'native/sendmail/build/mailroom-sendmail.tmp')), 'no half-built binary');
});

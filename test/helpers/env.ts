// Shared test plumbing: a fresh temp dir per test with its own config, spool
// and sockets; the real bin/ commands run as child processes; the real daemon.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/...). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = join(ROOT, 'bin');

export interface Sandbox {
  dir: string;
  config: string;
  spool: string;
  socket: string;
  control: string;
  cleanup(): void;
}

/** A temp dir with a config (YAML) whose spool and sockets live inside it. */
export function sandbox(extraYaml = '', opts: { worldReadable?: boolean; ownDaemon?: boolean } = {}): Sandbox {
  const sb = sandboxWith(() => `relay:\n  mode: hold\n${extraYaml}`, { ...opts, prefix: 'mailroom-test-' });
  // The test starts (or on purpose does not start) the daemon itself.
  if (opts.ownDaemon) daemonOwners.add(sb.dir);
  return sb;
}

/**
 * A sandbox whose config is hostname, spool and socket inside the temp dir
 * followed by `yaml(dir)` (the caller writes every other key).
 */
export function sandboxWith(yaml: (dir: string) => string, opts: { worldReadable?: boolean; prefix?: string } = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), opts.prefix ?? 'mailroom-test-'));
  if (opts.worldReadable) chmodSync(dir, 0o755);
  const config = join(dir, 'mailroom.yaml');
  writeFileSync(config, `hostname: test.example\nspool: ${dir}/spool\nsocket: ${dir}/run/submit.sock\n${yaml(dir)}`);
  return {
    dir,
    config,
    spool: join(dir, 'spool'),
    socket: join(dir, 'run/submit.sock'),
    control: join(dir, 'run/control.sock'),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with input on stdin; `asUser` drops privileges with setpriv. */
export function run(cmd: string, args: string[], input: string | Buffer = '', opts: { asUser?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  let file = cmd;
  let argv = args;
  if (opts.asUser) {
    argv = ['--reuid', opts.asUser, '--regid', opts.asUser === 'nobody' ? 'nogroup' : opts.asUser, '--clear-groups', '--', cmd, ...args];
    file = 'setpriv';
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, argv, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.end(input);
  });
}

/**
 * Which way sendmail() submits (MAILROOM_TEST_SENDMAIL): "node" (the default)
 * gives -C, which the compiled front end hands to the Node implementation;
 * "frontend" names the sandbox by MAILROOM_CONFIG and the front-end socket by
 * MAILROOM_SENDMAIL_SOCKET, and starts a daemon for a sandbox that has none
 * (unless it was made with ownDaemon), so plain submissions go through the
 * daemon; "down" does the same without any daemon (the front end falls back).
 * The sendmail tests pass in all three (test/frontend/sendmail-set.test.ts).
 */
export const SENDMAIL_PATH = (process.env.MAILROOM_TEST_SENDMAIL ?? 'node') as 'node' | 'frontend' | 'down' | 'nobuild';

let nobuildBin: string | undefined;
/**
 * "nobuild": bin/ as installed where no C compiler was found (no front end
 * built): a copy of bin/ beside links to dist/ and node_modules/, made once.
 */
function sendmailBin(): string {
  if (SENDMAIL_PATH !== 'nobuild') return BIN;
  if (!nobuildBin) {
    const root = mkdtempSync(join(tmpdir(), 'mailroom-nobuild-'));
    mkdirSync(join(root, 'bin'));
    for (const f of readdirSync(BIN)) copyFileSync(join(BIN, f), join(root, 'bin', f));
    symlinkSync(join(ROOT, 'dist'), join(root, 'dist'));
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    process.on('exit', () => rmSync(root, { recursive: true, force: true }));
    nobuildBin = join(root, 'bin');
  }
  return nobuildBin;
}

/** Sandboxes that this file gave a daemon for the front end (not the test's own). */
const autoDaemons = new Set<string>();
/** Sandboxes that have had a daemon, or whose test runs its own. */
const daemonOwners = new Set<string>();

/** bin/sendmail with -C pointing at the sandbox config (or its environment: SENDMAIL_PATH). */
export async function sendmail(sb: Sandbox, args: string[], input: string | Buffer = '', opts: Parameters<typeof run>[3] = {}): Promise<RunResult> {
  if (SENDMAIL_PATH === 'node' || SENDMAIL_PATH === 'nobuild') return run(join(sendmailBin(), 'sendmail'), ['-C', sb.config, ...args], input, opts);
  const env = { MAILROOM_CONFIG: sb.config, MAILROOM_SENDMAIL_SOCKET: join(sb.dir, 'run/sendmail.sock'), ...opts.env };
  if (SENDMAIL_PATH === 'down' || daemonOwners.has(sb.dir)) return run(join(BIN, 'sendmail'), args, input, { ...opts, env });
  // A daemon for this one submission (what it stores stays on disk when it
  // stops): dozens of sandboxes must not each keep one running.
  if (!autoDaemons.has(sb.dir)) {
    autoDaemons.add(sb.dir);
    // What it stores must stay in the queue for readDrops(): local mail is
    // deferred (an LMTP server that is not there), never delivered away.
    const text = readFileSync(sb.config, 'utf8');
    if (!/^local:/m.test(text)) writeFileSync(sb.config, `${text}local:\n  lmtp: unix:${sb.dir}/no-lmtp.sock\n`);
  }
  let daemon: DaemonProc;
  try {
    daemon = await startDaemon(sb);
  } catch {
    // No daemon can run on this configuration (a test of a bad one): the
    // front end finds none and hands over to the Node path, as in "down".
    return run(join(BIN, 'sendmail'), args, input, { ...opts, env });
  }
  daemonOwners.delete(sb.dir);
  try {
    return await run(join(BIN, 'sendmail'), args, input, { ...opts, env });
  } finally {
    await daemon.stop();
    stashCommitted(sb);
  }
}

/** bin/mailroom with --config pointing at the sandbox config. */
export function mailroom(sb: Sandbox, args: string[], opts: Parameters<typeof run>[3] = {}): Promise<RunResult> {
  return run(join(BIN, 'mailroom'), [...args, '--config', sb.config], '', opts);
}

export interface DaemonProc {
  proc: ChildProcess;
  log(): string;
  /**
   * Waits (5 s at most) for a log line: a line is written after the change it
   * reports (a file moved, a reply sent) and reaches us through a pipe, so a
   * test that saw the change may not have the line yet.
   */
  waitLog(re: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves to the exit code once the daemon has exited (after a signal the test sent itself). */
  exited(): Promise<number | null>;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

// Daemons a test forgot to stop (it failed half-way) must not keep the test
// file's process alive, nor outlive it.
const liveDaemons = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of liveDaemons) p.kill('SIGKILL');
});

/** Starts the daemon on the sandbox; nodeArgs (e.g. --cpu-prof, for the bench) run it through node explicitly. */
export async function startDaemon(sb: Sandbox, nodeArgs: string[] = []): Promise<DaemonProc> {
  daemonOwners.add(sb.dir);
  const args = ['daemon', '--foreground', '--config', sb.config];
  const proc = nodeArgs.length
    ? spawn(process.execPath, [...nodeArgs, join(BIN, 'mailroom'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, UV_THREADPOOL_SIZE: '16' } })
    : spawn(join(BIN, 'mailroom'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  liveDaemons.add(proc);
  // Not holding this process open: a test awaits the daemon through timers
  // (waitFor) or through stop()/kill(), which take the reference back.
  proc.unref();
  for (const s of [proc.stdout, proc.stderr] as unknown as { unref?: () => void }[]) s.unref?.();
  const exited = new Promise<number | null>((r) =>
    proc.on('exit', (code) => {
      liveDaemons.delete(proc);
      r(code);
    }),
  );
  await waitFor(() => log.includes('daemon started') || proc.exitCode !== null, 15_000, 'daemon start');
  if (proc.exitCode !== null) throw new Error(`daemon exited: ${log}`);
  return {
    proc,
    log: () => log,
    waitLog: async (re, timeoutMs = 5000) => {
      await waitFor(() => re.test(log), timeoutMs, `log line ${re}`).catch(() => assert.match(log, re));
    },
    exited: () => {
      proc.ref();
      return exited;
    },
    stop: async () => {
      proc.ref(); // keep this process alive until the daemon's exit arrives
      proc.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      proc.ref();
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A minimal SMTP/LMTP client over a Unix socket: sends each command after the
 * previous reply and returns the replies (multi-line replies joined by \n).
 */
export async function smtpDialog(path: string, commands: (string | Buffer)[]): Promise<string[]> {
  const sock = connect(path);
  const replies: string[] = [];
  let buf = '';
  let waiters: ((r: string) => void)[] = [];
  let cur: string[] = [];
  sock.on('data', (d) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 2);
      cur.push(line);
      if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) {
        const r = cur.join('\n');
        cur = [];
        const w = waiters.shift();
        if (w) w(r);
        else replies.push(r);
      }
    }
  });
  const next = () => new Promise<string>((res, rej) => {
    if (replies.length) return res(replies.shift()!);
    const t = setTimeout(() => rej(new Error('no SMTP reply in 10s')), 10_000);
    waiters.push((r) => {
      clearTimeout(t);
      res(r);
    });
  });
  await new Promise<void>((res, rej) => {
    sock.once('connect', () => res());
    sock.once('error', rej);
  });
  const out = [await next()];
  for (const c of commands) {
    sock.write(c);
    out.push(await next());
  }
  sock.destroy();
  waiters = [];
  return out;
}

// ---- maildrop/ and queue readers for the sendmail tests ----
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { parseDrop, type DropEnvelope } from '../../src/spool/maildrop.js';
import type { DsnNotify } from '../../src/spool/envelope.js';
import { decodeRecords, JOURNAL_START } from '../../src/spool/journal-format.js';

export interface DropFile {
  id: string;
  path: string;
  /** Owner of the file: the submitting user. */
  uid: number;
  env: DropEnvelope;
  /** The message as stored (CRLF). */
  content: Buffer;
}

/**
 * What the front end's daemon committed, as committed: its commit journal's
 * records (the envelope and the message the daemon stored), read once it has
 * stopped. The queue itself may already show the queue manager's work
 * (aliases expanded, recipients deduplicated), which is not sendmail's.
 */
const committed = new Map<string, Map<string, DropFile>>();
function stashCommitted(sb: Sandbox): void {
  let b: Buffer;
  try {
    b = readFileSync(join(sb.spool, 'journal'));
  } catch {
    return;
  }
  if (b.length < JOURNAL_START + 16) return;
  const mine = committed.get(sb.dir) ?? new Map<string, DropFile>();
  committed.set(sb.dir, mine);
  for (const rec of decodeRecords(b, Number(b.readBigUInt64LE(JOURNAL_START + 8)))) {
    const m = /^(?:incoming|hold)\/(\w+)\.env$/.exec(rec.name);
    if (m && rec.envelope.length) mine.set(m[1]!, dropOf(m[1]!, JSON.parse(rec.envelope.toString('utf8')), Buffer.from(rec.data), join(sb.spool, 'data', `${m[1]}.eml`)));
  }
}

function dropOf(id: string, e: any, content: Buffer, path: string): DropFile {
  const recipients = e.recipients.map((r: { address: string; notify?: DsnNotify[]; orcpt?: string }) => ({ address: r.address, ...(r.notify ? { notify: r.notify } : {}), ...(r.orcpt ? { orcpt: r.orcpt } : {}) }));
  const env: DropEnvelope = { v: 1, sender: e.sender, recipients, dsn: e.dsn, body: e.body, smtputf8: e.smtputf8, uid: e.uid, user: e.user, createdAt: e.createdAt };
  return { id, path, uid: e.uid, env, content };
}

/**
 * The finished drop files in the sandbox's maildrop/ (temporary files skipped), oldest id first.
 * With the daemon this file started for the front end (SENDMAIL_PATH), also
 * what it queued, in the same shape: what sendmail submitted, by either path.
 */
export function readDrops(sb: Sandbox): DropFile[] {
  const dir = join(sb.spool, 'maildrop');
  const drops = !existsSync(dir)
    ? []
    : readdirSync(dir)
        .filter((n) => !n.endsWith('.tmp'))
        .map((id) => {
          const path = join(dir, id);
          const { env, content } = parseDrop(readFileSync(path));
          return { id, path, uid: statSync(path).uid, env, content };
        });
  // maildrop/ first, then what the daemon committed, then the queue (pickup
  // publishes before it removes the drop file).
  if (autoDaemons.has(sb.dir)) {
    for (const [id, d] of committed.get(sb.dir) ?? []) if (!drops.some((x) => x.id === id)) drops.push(d);
    for (const id of queuedIds(sb)) {
      const q = drops.some((d) => d.id === id) ? undefined : readQueued(sb, id);
      if (q) drops.push(dropOf(id, q.env, q.eml, join(sb.spool, 'data', `${id}.eml`)));
    }
  }
  return drops.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Everything in maildrop/ (also temporary files): what a refused submission
 * must not leave. With the front end's daemon (SENDMAIL_PATH), the queue too.
 */
export function maildropNames(sb: Sandbox): string[] {
  const dir = join(sb.spool, 'maildrop');
  const names = existsSync(dir) ? readdirSync(dir) : [];
  return autoDaemons.has(sb.dir) ? [...names, ...queuedIds(sb)] : names;
}

/** The queue state directory (incoming, deferred, hold) holding <id>.env, if any. */
export function queuedState(sb: Sandbox, id: string): string | undefined {
  return ['incoming', 'deferred', 'hold'].find((s) => existsSync(join(sb.spool, s, `${id}.env`)));
}

/**
 * The queued envelope (parsed JSON) and message of <id>, once the daemon has
 * picked it up. The queue manager may move the envelope between states while
 * we look (incoming/ → hold/), so a vanished file is looked for again.
 */
export function readQueued(sb: Sandbox, id: string): { state: string; env: any; eml: Buffer } | undefined {
  for (let tries = 0; tries < 20; tries++) {
    const state = queuedState(sb, id);
    if (!state) return undefined;
    try {
      const env = JSON.parse(readFileSync(join(sb.spool, state, `${id}.env`), 'utf8'));
      return { state, env, eml: readFileSync(join(sb.spool, 'data', `${id}.eml`)) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  throw new Error(`${id}: the envelope kept moving between queue states`);
}

/** The queued envelope of <id> (parsed JSON), wherever it is; throws when it is not queued. */
export function queuedEnvelope(sb: Sandbox, id: string): any {
  const q = readQueued(sb, id);
  if (!q) throw new Error(`${id} is not in the queue`);
  return q.env;
}

/** Splits a stored CRLF message into its header fields (unfolded, in order) and body bytes. */
export function splitMessage(content: Buffer): { head: string; fields: { name: string; value: string }[]; body: Buffer } {
  const end = content.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('stored message has no empty line after the header');
  const head = content.subarray(0, end).toString('utf8');
  const fields: { name: string; value: string }[] = [];
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1]!.value += ' ' + line.trim();
    else fields.push({ name: line.slice(0, line.indexOf(':')), value: line.slice(line.indexOf(':') + 1).trim() });
  }
  return { head, fields, body: content.subarray(end + 4) };
}

/** The values of one header field (case-insensitive name). */
export function headerValues(content: Buffer, name: string): string[] {
  return splitMessage(content).fields.filter((f) => f.name.toLowerCase() === name.toLowerCase()).map((f) => f.value);
}

const QUEUE_DIRS = ['incoming', 'deferred', 'hold'] as const;

/**
 * The .env file of a queued message in whichever queue state it is in. The
 * queue manager moves messages on at once (to hold/ in the sandbox's
 * relay.mode: hold), so tests of acceptance look in every state.
 */
export function queuedEnvPath(sb: Sandbox, id: string): string | undefined {
  const state = queuedState(sb, id);
  return state ? join(sb.spool, state, `${id}.env`) : undefined;
}

/** Ids of every queued message (incoming, deferred and hold), sorted. */
export function queuedIds(sb: Sandbox): string[] {
  const out: string[] = [];
  for (const d of QUEUE_DIRS) {
    const dir = join(sb.spool, d);
    if (existsSync(dir)) for (const f of readdirSync(dir)) if (f.endsWith('.env')) out.push(f.slice(0, -4));
  }
  return out.sort();
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for peers started on a chosen port). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Every file in the sandbox's spool that holds mail (maildrop/ included): the
 * daemon's own files (the commit journal, its locks) do not count.
 */
export function spoolFiles(sb: Sandbox): string[] {
  if (!existsSync(sb.spool)) return [];
  return (readdirSync(sb.spool, { recursive: true }) as string[]).filter((f) => f !== 'journal' && !f.startsWith('locks/') && statSync(join(sb.spool, f)).isFile());
}

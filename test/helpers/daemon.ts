// The real programs as child processes: any command (run), bin/sendmail by
// the path the test run asks for (SENDMAIL_PATH), bin/mailroom, and the
// daemon with its log.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDaemons, BIN, daemonOwners, ROOT, type Sandbox } from './sandbox.js';
import { stashCommitted } from './spool.js';

/** Runs a Python script with Debian's interpreter (its smtplib, aiosmtpd); args after the script. */
export const PYTHON = '/usr/bin/python3';

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

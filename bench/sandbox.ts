// The bench's throw-away world: a temp dir holding the config, the spool and
// the sockets, and the real daemon (bin/mailroom daemon --foreground) started
// and stopped by the bench. Everything lives under one mkdtemp directory that
// remove() deletes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/bench/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin');

export interface BenchBox {
  dir: string;
  config: string;
  spool: string;
  socket: string;
  /** Messages in the queue proper (envelopes in incoming/, deferred/, hold/). */
  queued(): number;
  remove(): void;
}

let base: string | undefined;

/**
 * The directory the boxes are made in ($BENCH_TMPDIR or the system's), marked
 * as a top of directory hierarchies (chattr +T, where the file system has it)
 * so that ext4 places each box in a block group of its own. Creating a file in
 * a group where thousands were removed in the last minute costs 10–40 times
 * more CPU on a file system without a journal (ext4's recently_deleted() scan,
 * as on the machine the results were taken on): a row must not pay for what
 * an earlier row, or an earlier program, removed.
 */
function boxBase(): string {
  if (!base) {
    base = join(process.env.BENCH_TMPDIR ?? tmpdir(), 'mailroom-bench');
    mkdirSync(base, { recursive: true, mode: 0o755 });
    spawnSync('chattr', ['+T', base], { stdio: 'ignore' });
  }
  return base;
}

export function createBox(tag: string): BenchBox {
  const dir = mkdtempSync(join(boxBase(), `${tag}-`));
  const config = join(dir, 'mailroom.yaml');
  const spool = join(dir, 'spool');
  const socket = join(dir, 'run', 'submit.sock');
  writeFileSync(config, `hostname: bench.example\nspool: ${spool}\nsocket: ${socket}\nrelay:\n  mode: hold\n`);
  const count = (d: string) => {
    try {
      return readdirSync(join(spool, d)).filter((n) => n.endsWith('.env')).length;
    } catch {
      return 0;
    }
  };
  return {
    dir,
    config,
    spool,
    socket,
    queued: () => count('incoming') + count('deferred') + count('hold'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * CPU time of one file creation in the box, in µs: 200 empty files in
 * probe/ (left there: removing them now would taint the group in turn).
 */
export function creationCost(box: BenchBox): number {
  const dir = join(box.dir, 'probe');
  mkdirSync(dir);
  const c0 = process.cpuUsage();
  for (let i = 0; i < 200; i++) closeSync(openSync(join(dir, String(i)), 'wx'));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 200;
}

/**
 * A box in a block group where creating a file costs what it costs on a
 * quiet file system (under 60 µs of CPU; ~15 µs on the results' machine), so
 * that a row measures mailroom rather than what was removed near its box
 * before (see boxBase). Up to `tries` boxes are made; those passed over are
 * removed with the one returned. `createUs` is its creation cost.
 */
export function createQuietBox(tag: string, tries = 5): BenchBox & { createUs: number } {
  const passed: BenchBox[] = [];
  for (;;) {
    const box = createBox(tag);
    const createUs = creationCost(box);
    if (createUs < 60 || passed.length + 1 >= tries) {
      return {
        ...box,
        createUs,
        remove: () => {
          for (const b of [...passed, box]) b.remove();
        },
      };
    }
    passed.push(box);
  }
}

export interface DaemonHandle {
  pid: number;
  /** Stops it with SIGTERM (SIGKILL after 10 s) and waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts the daemon on the box and waits for "daemon started" (15 s at most).
 * Its log is read and dropped, as journald would take it; the last lines are
 * kept for error messages.
 */
export async function startDaemon(box: BenchBox, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<DaemonHandle> {
  const proc: ChildProcess = spawn(process.execPath, [...extraArgs, join(BIN, 'mailroom'), 'daemon', '--foreground', '--config', box.config], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // node is started directly (to pass node options), so the environment
    // that bin/mailroom's shebang sets is given here.
    env: { UV_THREADPOOL_SIZE: '16', MALLOC_MMAP_THRESHOLD_: '4194304', ...process.env, ...env },
  });
  let tail = '';
  let started = false;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  await new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start in 15 s: ${tail}`)), 15_000);
    proc.stderr!.on('data', (d: Buffer) => {
      tail = (tail + d.toString('utf8')).slice(-4000);
      if (!started && tail.includes('daemon started')) {
        started = true;
        clearTimeout(timer);
        resolvePromise();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`daemon exited with ${code}: ${tail}`));
    });
  });
  return {
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** A small, ordinary message (LF line endings, as scripts write them). */
export function smallMessage(i = 0): string {
  return [
    'From: Cron Daemon <root@bench.example>',
    'To: ops@example.net',
    `Subject: bench message ${i}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is a small test message, about the size of a cron report.',
    'Nothing in it needs to be encoded or wrapped.',
    ...Array.from({ length: 8 }, (_, k) => `line ${k}: the quick brown fox jumps over the lazy dog`),
    '',
  ].join('\n');
}

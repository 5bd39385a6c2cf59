// Local delivery benchmark: N small messages (default 2,000) submitted to one
// local user over the submission socket by C pipelined SMTP connections; the
// clock runs from the first MAIL until the last file is in the user's
// Maildir new/ (and the queue is empty). Every message was fsynced twice on
// the way: into the spool at acceptance, and into the Maildir at delivery.
// Everything lives under one temp dir, removed at the end; the daemon is
// started and stopped here. Every loop is bounded in count and time.
//
// Knobs (environment): BENCH_LOCAL (N), BENCH_LOCAL_CLIENTS (C),
// BENCH_LOCAL_ENV (extra daemon environment, e.g. "UV_THREADPOOL_SIZE=16"),
// BENCH_DAEMON_NODE_ARGS. Run alone: node dist/bench/local.js
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sendControl } from '../src/shared/control.js';
import { createQuietBox, startDaemon, type BenchBox } from './sandbox.js';
import { submitPipelined } from './socket-load.js';
import { rate, since, sleep } from './stats.js';

export interface LocalBenchOptions {
  /** Messages to deliver (default 2,000). */
  messages?: number;
  /** Parallel SMTP connections submitting them (default 8). */
  clients?: number;
  /** Give up after this long (default 120 s). */
  budgetMs?: number;
  /** Extra environment for the daemon (e.g. UV_THREADPOOL_SIZE). */
  daemonEnv?: NodeJS.ProcessEnv;
  /** Extra node arguments for the daemon (e.g. --cpu-prof). */
  daemonArgs?: string[];
  /** Progress lines (default: stdout). */
  say?: (line: string) => void;
}

interface Row {
  what: string;
  result: string;
  target: string;
}

const envelope = () => 'MAIL FROM:<cron@bench.example>\r\nRCPT TO:<alice@bench.example>\r\nDATA\r\n';

/** Submits `total` messages over `clients` pipelined connections; resolves when all are accepted. */
function submit(socketPath: string, total: number, clients: number, deadline: number): Promise<number> {
  return submitPipelined(socketPath, total, clients, { envelope, more: () => performance.now() < deadline });
}

/** CPU seconds (user + system) a process has used so far; NaN where /proc is missing. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

function writeConfig(box: BenchBox, users: string, mail: string, quota?: string): void {
  writeFileSync(
    box.config,
    `hostname: bench.example\nspool: ${box.spool}\nsocket: ${box.socket}\nusers: ${users}\naliases: {}\n` +
      `local:\n  mailboxes: ${mail}\n  domains: [bench.example]\n  systemUsers: false\n${quota ? `  quota: ${quota}\n` : ''}` +
      `relay:\n  mode: hold\n  retry: [1h]\n${process.env.BENCH_LOCAL_CONCURRENCY ? `  concurrency: ${process.env.BENCH_LOCAL_CONCURRENCY}\n` : ''}`,
  );
}

export async function runLocalBench(opts: LocalBenchOptions = {}): Promise<Row[]> {
  const n = opts.messages ?? 2000;
  const clients = opts.clients ?? 8;
  const budget = opts.budgetMs ?? 120_000;
  const say = opts.say ?? ((l: string) => process.stdout.write(`${l}\n`));
  const box = createQuietBox('local'); // where creating a file costs what it does on a quiet file system (sandbox.ts)
  const mail = join(box.dir, 'mail');
  const users = join(box.dir, 'users');
  const rows: Row[] = [];
  // Delivery does not look at the hash; a users-file entry makes alice a mailbox user.
  writeFileSync(users, 'alice:$scrypt$unused\n', { mode: 0o600 });
  const inNew = () => {
    try {
      return readdirSync(join(mail, 'alice', 'new')).length;
    } catch {
      return 0;
    }
  };
  const start = () => startDaemon(box, opts.daemonArgs ?? [], opts.daemonEnv ?? {});
  try {
    // 1. Submit -> Maildir: the socket accepts (two fsync rounds into the
    // spool) while the queue manager delivers (two more into the Maildir).
    writeConfig(box, users, mail);
    say(`local delivery: ${n} messages over ${clients} SMTP connections into one Maildir ...`);
    let daemon = await start();
    try {
      const t0 = performance.now();
      const deadline = t0 + budget;
      const accepted = await submit(box.socket, n, clients, deadline);
      const submitted = since(t0);
      let delivered = inNew();
      while ((delivered < accepted || box.queued() > 0) && performance.now() < deadline) {
        await sleep(10);
        delivered = inNew();
      }
      const elapsed = since(t0);
      say(`  ${delivered} delivered in ${(elapsed / 1000).toFixed(2)} s (all accepted after ${(submitted / 1000).toFixed(2)} s)`);
      rows.push({
        what: `local delivery through the daemon: ${clients} SMTP clients submit, Maildir new/ (${delivered}${delivered < n ? ` of ${n}, time cap` : ''} messages)`,
        result: rate((delivered * 1000) / elapsed),
        // End to end, the socket's acceptance rate bounds it (the socket row);
        // the delivery rate itself is the next row's.
        target: 'at most the socket rate',
      });
    } finally {
      await daemon.stop();
    }

    // 2. Delivery alone: the same number of messages already queued (deferred
    // by a full mailbox quota), then a flush with the quota lifted; the clock
    // runs from the flush to the last file in new/.
    rmSync(join(mail, 'alice'), { recursive: true, force: true });
    mkdirSync(join(mail, 'alice', 'new'), { recursive: true, mode: 0o700 });
    for (const d of ['tmp', 'cur']) mkdirSync(join(mail, 'alice', d), { mode: 0o700 });
    const filler = join(mail, 'alice', 'cur', 'filler:2,S');
    writeFileSync(filler, Buffer.alloc(99_990, 0x61));
    writeConfig(box, users, mail, '100000');
    say(`local delivery drain: queueing ${n} messages (deferred by the quota) ...`);
    daemon = await start();
    try {
      const deadline = performance.now() + budget;
      const accepted = await submit(box.socket, n, clients, deadline);
      const deferred = () => {
        try {
          return readdirSync(join(box.spool, 'deferred')).filter((f) => f.endsWith('.env')).length;
        } catch {
          return 0;
        }
      };
      while (deferred() < accepted && performance.now() < deadline) await sleep(20);
    } finally {
      await daemon.stop();
    }
    const queued = box.queued();
    rmSync(filler);
    writeConfig(box, users, mail);
    daemon = await start();
    try {
      const cpu0 = cpuSeconds(daemon.pid);
      const t0 = performance.now();
      const deadline = t0 + budget;
      const answer = await sendControl(join(box.dir, 'run', 'control.sock'), 'flush', true);
      if (answer !== 'ok') throw new Error(`flush: ${answer}`);
      let delivered = inNew();
      while ((delivered < queued || box.queued() > 0) && performance.now() < deadline) {
        await sleep(10);
        delivered = inNew();
      }
      const elapsed = since(t0);
      const cpu = cpuSeconds(daemon.pid) - cpu0;
      say(`  ${delivered} of ${queued} delivered in ${(elapsed / 1000).toFixed(2)} s; the daemon used ${cpu.toFixed(2)} s of CPU (${((cpu * 1e6) / Math.max(1, delivered)).toFixed(0)} µs a message)`);
      rows.push({
        what: `local delivery alone: flush of ${queued} queued messages into Maildir new/ (${delivered}${delivered < queued ? ', time cap' : ''})`,
        result: rate((delivered * 1000) / elapsed),
        target: '≥ 1,000/s',
      });
    } finally {
      await daemon.stop();
    }
    return rows;
  } finally {
    box.remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const num = (name: string, dflt: number) => {
    const v = Number(process.env[name]);
    return Number.isFinite(v) && v > 0 ? v : dflt;
  };
  const daemonEnv = Object.fromEntries(
    (process.env.BENCH_LOCAL_ENV ?? '')
      .split(' ')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  runLocalBench({
    messages: num('BENCH_LOCAL', 2000),
    clients: num('BENCH_LOCAL_CLIENTS', 8),
    daemonEnv,
    daemonArgs: (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean),
  }).then(
    (rows) => rows.forEach((r) => process.stdout.write(`| ${r.what} | ${r.result} | ${r.target} |\n`)),
    (err) => {
      process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}

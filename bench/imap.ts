// IMAP bench: one generated 10,000-message Maildir (test/helpers/maildir-gen:
// mostly 2–20 KB, a fifth multipart with attachments up to ~300 KB) served by
// mailroom's daemon and by Dovecot in the same run, measured with the raw
// client of imap-client.ts: SELECT cold and warm, FETCH of FLAGS+SIZE+
// ENVELOPE, BODYSTRUCTURE and BODY.PEEK[] over 1:*, UID SEARCH SUBJECT, and
// the memory of 1,000 IDLE connections (on a new server process, started after
// the FETCHes). Every process is stopped by its PID.
//
// "Cold" SELECT: the first SELECT INBOX of a newly started server process
// (mailroom: a new daemon; Dovecot: a new master, whose imap process for the
// connection is new too), after an earlier server process indexed the Maildir
// and stopped, so both start with their indexes on disk and nothing of the
// folder in their memory. The kernel's page cache stays warm for both (the
// files were just read): it measures reading and checking the index, not the
// disk. The connection first sends what a mail client sends before its first
// SELECT (PREAMBLE), to both servers alike. "Warm": SELECT again on the same
// connection (both hold the folder), in the steady state.
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../src/users/hash.js';
import { pssKiB, rssKiB, startDovecotImap } from '../test/helpers/dovecot-imap.js';
import { generateMaildir, SUBJECT_WORDS } from '../test/helpers/maildir-gen.js';
import { RawImap } from './imap-client.js';
import { createBox, startDaemon } from './sandbox.js';
import { median, sleep } from './stats.js';

export interface ImapBenchRow {
  what: string;
  mailroom: string;
  dovecot: string;
  /** mailroom's speed as a multiple of Dovecot's (times inverted, so > 1 is faster). */
  ratio: string;
  target: string;
}

interface Server {
  port: number;
  /** Resident memory of the server's processes that serve connections, in KiB. */
  rss(): number;
  /** The same counted proportionally (a shared page split among the processes that map it). */
  pss(): number;
  stop(): Promise<void>;
}

export interface Measured {
  coldSelectMs: number;
  /** Median of the re-SELECTs of the warming window (not a target: how long V8 takes to compile the path). */
  warmingSelectMs: number;
  warmSelectMs: number;
  envelope: { msgs: number; ms: number };
  structure: { msgs: number; ms: number };
  body: { msgs: number; ms: number; bytes: number };
  searchMs: number;
  idle: { clients: number; kibPer: number; pssPer: number; wanted: number; error?: string };
}

const USER = 'bench';
const PASS = 'benchpw';
/**
 * The IDLE clients log in as IDLE_USERS users (all with the same Maildir) from
 * IDLE_ADDRS loopback addresses: mailroom refuses more than 20 connections
 * per user and 50 per client address (src/imap/limits.ts).
 */
const IDLE_USERS = 50;
const IDLE_ADDRS = 25;
/** Connecting the IDLE clients stops after this long; the memory is divided by those connected. */
const IDLE_CAP_MS = 40_000;
const idleUser = (i: number) => `idle${i % IDLE_USERS}`;

/**
 * What a mail client sends between LOGIN and its first SELECT (CAPABILITY,
 * NAMESPACE), then NOOPs: the timed SELECT is not the first command this
 * client process (its JIT) or the server's session code runs, for either
 * server, as with a real client. No LIST: after one, Dovecot's SELECT goes
 * through its mailbox list index and takes 3–9 ms instead of 0.2–1.5.
 */
const PREAMBLE = ['CAPABILITY', 'NAMESPACE', ...Array<string>(20).fill('NOOP')];
/**
 * Re-SELECTs on the same connection: WARMING (10th to 60th) shows the server
 * while V8 still compiles the path (shown, not a target); warm is the
 * median of WARM_RUNS after WARM_SKIP, the steady state of a daemon that has
 * served a while (V8 optimises the path over its first few thousand calls).
 */
const WARMING = [10, 60] as const;
const WARM_SKIP = 2500;
const WARM_RUNS = 500;

async function session(port: number, user = USER, localAddress?: string): Promise<RawImap> {
  const c = await RawImap.open(port, '127.0.0.1', localAddress);
  await c.login(user, PASS);
  return c;
}

async function timed(c: RawImap, cmd: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const r = await c.command(cmd, { timeoutMs: 120_000 });
  if (!r.status.startsWith('OK')) throw new Error(`${cmd.split(' ').slice(0, 3).join(' ')}: ${r.status}`);
  return { ms: performance.now() - t0, bytes: r.bytes };
}

/** A measure summed over a process and all its descendants (mailroom's daemon may have helpers). */
export function treeKiB(pid: number, of: (pid: number) => number): number {
  const kids = new Map<number, number[]>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(p)]);
    } catch {
      /* gone */
    }
  }
  let sum = 0;
  const walk = (p: number) => {
    sum += of(p);
    for (const k of kids.get(p) ?? []) walk(k);
  };
  walk(pid);
  return sum;
}

/**
 * Opens `n` connections that log in, SELECT INBOX and IDLE (50 at a time),
 * reads the server's RSS before and after; at most `capMs` for connecting.
 */
async function idleMemory(port: number, server: Server, n: number, capMs: number): Promise<Measured['idle']> {
  await sleep(1000);
  const before = server.rss();
  const pssBefore = server.pss();
  const clients: RawImap[] = [];
  const until = Date.now() + capMs;
  try {
    while (clients.length < n && Date.now() < until) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, n - clients.length) }, async (_, k) => {
          const i = clients.length + k;
          const c = await session(port, idleUser(i), `127.0.0.${2 + (i % IDLE_ADDRS)}`);
          await c.command('SELECT INBOX');
          await c.idle();
          return c;
        }),
      );
      clients.push(...batch);
    }
    await sleep(2000); // let the servers settle (allocations after IDLE started)
    const afterRss = server.rss();
    const afterPss = server.pss();
    return { clients: clients.length, wanted: n, kibPer: (afterRss - before) / clients.length, pssPer: (afterPss - pssBefore) / clients.length };
  } finally {
    for (const c of clients) c.close();
  }
}

/** Cold SELECT: the median over this many newly started servers (one sample is at the mercy of the machine's noise). */
const COLD_RUNS = 3;

/** The first SELECT INBOX after the preamble, on a newly started server. */
async function coldSelect(server: Server): Promise<{ c: RawImap; ms: number }> {
  const c = await session(server.port);
  for (const cmd of PREAMBLE) await timed(c, cmd);
  return { c, ms: (await timed(c, 'SELECT INBOX')).ms };
}

/** Runs every measurement on a server that has just been started on an already-indexed Maildir. */
async function measure(start: () => Promise<Server>, idleClients: number, log: (s: string) => void, word: string): Promise<Measured> {
  const colds: number[] = [];
  for (let k = 1; k < COLD_RUNS; k++) {
    const s = await start();
    try {
      const { c, ms } = await coldSelect(s);
      colds.push(ms);
      c.close();
    } finally {
      await s.stop();
    }
  }
  let server = await start();
  try {
    const { c, ms } = await coldSelect(server);
    colds.push(ms);
    const coldSelectMs = median(colds);
    const warm: number[] = [];
    const warming: number[] = [];
    for (let i = 0; i < WARM_SKIP + WARM_RUNS; i++) {
      const ms = (await timed(c, 'SELECT INBOX')).ms;
      if (i >= WARM_SKIP) warm.push(ms);
      else if (i >= WARMING[0] && i < WARMING[1]) warming.push(ms);
    }
    const warmingSelectMs = median(warming);
    const count = 10_000;
    if (process.env.BENCH_IMAP_FETCH === '0') {
      // Iterating on SELECT and memory only: the FETCH and SEARCH rows are not run.
      c.close();
      await server.stop();
      server = await start();
      const idle: Measured['idle'] = idleClients === 0 ? { clients: 0, wanted: 0, kibPer: NaN, pssPer: NaN, error: 'skipped (BENCH_IMAP_IDLE=0)' } : await idleMemory(server.port, server, idleClients, IDLE_CAP_MS);
      log(`  SELECT cold ${coldSelectMs.toFixed(1)} ms, warm ${median(warm).toFixed(1)} ms; idle ${idle.kibPer.toFixed(0)} KiB (PSS ${idle.pssPer.toFixed(0)}) over ${idle.clients}`);
      const none = { msgs: count, ms: NaN, bytes: 0 };
      return { coldSelectMs, warmingSelectMs, warmSelectMs: median(warm), envelope: none, structure: none, body: none, searchMs: NaN, idle };
    }
    // Each FETCH once untimed (page cache, the servers' caches), then timed.
    await timed(c, 'FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE)');
    const env = await timed(c, 'FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE)');
    await timed(c, 'FETCH 1:* BODYSTRUCTURE');
    const bs = await timed(c, 'FETCH 1:* BODYSTRUCTURE');
    await timed(c, 'FETCH 1:* BODY.PEEK[]');
    const body = await timed(c, 'FETCH 1:* BODY.PEEK[]');
    const searches: number[] = [];
    for (let i = 0; i < 3; i++) searches.push((await timed(c, `UID SEARCH SUBJECT ${word}`)).ms);
    await c.command('LOGOUT');
    c.close();
    log(`  SELECT cold ${coldSelectMs.toFixed(1)} ms, FETCH ENVELOPE ${env.ms.toFixed(0)} ms, BODYSTRUCTURE ${bs.ms.toFixed(0)} ms, BODY[] ${body.ms.toFixed(0)} ms; ${idleClients} IDLE clients ...`);
    let idle: Measured['idle'];
    if (idleClients === 0) idle = { clients: 0, wanted: 0, kibPer: NaN, pssPer: NaN, error: 'skipped (BENCH_IMAP_IDLE=0)' };
    else try {
      // A new server process for the idle clients: what the FETCHes above left on the heap
      // (and gave back meanwhile) would otherwise swamp a few KiB per connection.
      await server.stop();
      server = await start();
      idle = await idleMemory(server.port, server, idleClients, IDLE_CAP_MS);
    } catch (err) {
      idle = { clients: 0, wanted: idleClients, kibPer: NaN, pssPer: NaN, error: (err as Error).message.slice(0, 160) };
    }
    return {
      coldSelectMs,
      warmingSelectMs,
      warmSelectMs: median(warm),
      envelope: { msgs: count, ms: env.ms },
      structure: { msgs: count, ms: bs.ms },
      body: { msgs: count, ms: body.ms, bytes: body.bytes },
      searchMs: median(searches),
      idle,
    };
  } finally {
    await server.stop();
  }
}

/**
 * Indexes the Maildir on a server (its first SELECT), so the next server
 * process starts with its indexes on disk. The server then runs on for
 * PRIME_LINGER_MS, as a real one would: Dovecot writes its index when the
 * session ends; mailroom saves its directory stamp (which lets a new process
 * skip listing cur/ and new/) a moment after its last write, once the
 * directories have stood still past the file system's clock tick.
 */
const PRIME_LINGER_MS = 1500;
async function prime(start: () => Promise<Server>): Promise<void> {
  const s = await start();
  try {
    const c = await session(s.port);
    await timed(c, 'SELECT INBOX');
    await c.command('LOGOUT');
    c.close();
    await sleep(PRIME_LINGER_MS);
  } finally {
    await s.stop();
  }
}

const perSec = (n: number, ms: number) => Math.round((n * 1000) / ms);
const fmt = (n: number) => n.toLocaleString('en-US');

let dovecotVersion = '';

/** The rows as a markdown table. */
export function imapTable(rows: ImapBenchRow[]): string {
  return [`| IMAP, 10,000 messages | mailroom | Dovecot ${dovecotVersion} | mailroom / Dovecot | target |`, '|---|---:|---:|---:|---|', ...rows.map((r) => `| ${r.what} | ${r.mailroom} | ${r.dovecot} | ${r.ratio} | ${r.target} |`)].join('\n');
}

/** Runs the bench; returns table rows (mailroom, Dovecot, ratio, target). */
export async function runImapBench(opts: { messages?: number; idleClients?: number; log?: (s: string) => void } = {}): Promise<ImapBenchRow[]> {
  const log = opts.log ?? ((s: string) => process.stdout.write(`${s}\n`));
  const n = opts.messages ?? 10_000;
  const idleClients = opts.idleClients ?? 1000;
  const box = createBox('imap');
  const rows: ImapBenchRow[] = [];
  try {
    chmodSync(box.dir, 0o755);
    const mail = join(box.dir, 'mail');
    log(`imap: generating a ${n}-message Maildir ...`);
    const gen = generateMaildir(join(mail, USER), { folders: { INBOX: n }, seed: 2026 });
    const mb = gen.bytes / 1e6;
    // Dovecot will not open mail as root: the Maildir belongs to nobody; mailroom (root) reads it all the same.
    spawnSync('chown', ['-R', '65534:65534', mail]);
    const hash = await hashPassword(PASS);
    const idleUsers = Array.from({ length: IDLE_USERS }, (_, i) => idleUser(i));
    writeFileSync(join(box.dir, 'users'), [USER, ...idleUsers].map((u) => `${u}:${hash}\n`).join(''), { mode: 0o600 });
    for (const u of idleUsers) symlinkSync(USER, join(mail, u));
    const { freePort } = await import('../test/helpers/sandbox.js');
    const port = await freePort();
    writeFileSync(box.config, `\nusers: ${box.dir}/users\nlocal:\n  mailboxes: ${mail}\nimap:\n  listen: 127.0.0.1:${port}\n  tls: none\n`, { flag: 'a' });
    const word = SUBJECT_WORDS[3]!;
    let daemonArgs: string[] = [];
    const startMailroom = async (): Promise<Server> => {
      const d = await startDaemon(box, daemonArgs);
      return { port, rss: () => treeKiB(d.pid, rssKiB), pss: () => treeKiB(d.pid, pssKiB), stop: () => d.stop() };
    };
    const dport = await freePort();
    const startDovecot = async (): Promise<Server> => {
      const d = await startDovecotImap({ maildir: join(mail, USER), dir: join(box.dir, 'dovecot'), user: USER, password: PASS, moreUsers: idleUsers, port: dport });
      return { port: dport, rss: () => d.imapPids().reduce((s, p) => s + rssKiB(p), 0), pss: () => d.imapPids().reduce((s, p) => s + pssKiB(p), 0), stop: () => d.stop() };
    };
    let ours: Measured | undefined;
    let theirs: Measured | undefined;
    let oursErr = '';
    let theirsErr = '';
    try {
      log('imap: mailroom: indexing pass, then a new daemon for the timed pass ...');
      await prime(startMailroom);
      // BENCH_DAEMON_NODE_ARGS (e.g. --cpu-prof) apply to the timed daemon only.
      daemonArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
      ours = await measure(startMailroom, idleClients, log, word);
    } catch (err) {
      oursErr = (err as Error).message.split('\n')[0]!.slice(0, 200);
      log(`  mailroom not measured: ${oursErr}`);
    }
    // BENCH_IMAP_SERVERS=mailroom skips Dovecot (faster iterations; its column says so).
    const servers = (process.env.BENCH_IMAP_SERVERS ?? 'mailroom,dovecot').split(',');
    if (!servers.includes('dovecot')) theirsErr = 'skipped (BENCH_IMAP_SERVERS)';
    else try {
      log('imap: Dovecot: indexing pass, then a new server for the timed pass ...');
      await prime(startDovecot);
      theirs = await measure(startDovecot, idleClients, log, word);
    } catch (err) {
      theirsErr = (err as Error).message.split('\n')[0]!.slice(0, 200);
      log(`  Dovecot not measured: ${theirsErr}`);
    }
    const line = (what: string, get: (m: Measured) => number, show: (v: number) => string, higherIsBetter: boolean, target = '≥ 0.70×') => {
      const a = ours ? get(ours) : undefined;
      const b = theirs ? get(theirs) : undefined;
      const ratio = a !== undefined && b !== undefined ? (higherIsBetter ? a / b : b / a) : undefined;
      rows.push({
        what,
        mailroom: a === undefined ? `not run: ${oursErr}` : show(a),
        dovecot: b === undefined ? `not run: ${theirsErr}` : show(b),
        ratio: ratio === undefined ? '–' : `${ratio.toFixed(2)}×`,
        target,
      });
    };
    dovecotVersion = spawnSync('/usr/sbin/dovecot', ['--version']).stdout?.toString().trim().split(' ')[0] ?? '';
    log(`imap: ${n} messages, ${mb.toFixed(0)} MB (${(gen.bytes / n / 1024).toFixed(1)} KiB average)`);
    line(`SELECT INBOX cold: first SELECT of a new server process (after LOGIN, CAPABILITY, NAMESPACE, 20 NOOP), its indexes already on disk; median of ${COLD_RUNS} starts`, (m) => m.coldSelectMs, (v) => `${v.toFixed(1)} ms`, false);
    line(`SELECT INBOX warm: same connection, median of ${WARM_RUNS} after ${fmt(WARM_SKIP)} (steady state)`, (m) => m.warmSelectMs, (v) => `${v.toFixed(2)} ms`, false);
    line(`SELECT INBOX warming: same connection, median of the ${WARMING[0]}th to ${WARMING[1]}th (V8 still compiling)`, (m) => m.warmingSelectMs, (v) => `${v.toFixed(2)} ms`, false, '– (shown)');
    line(`FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE), ${fmt(n)} msgs`, (m) => perSec(m.envelope.msgs, m.envelope.ms), (v) => `${fmt(v)} msgs/s`, true);
    line(`FETCH 1:* BODYSTRUCTURE`, (m) => perSec(m.structure.msgs, m.structure.ms), (v) => `${fmt(v)} msgs/s`, true);
    line(`FETCH 1:* BODY.PEEK[] (${mb.toFixed(0)} MB of messages)`, (m) => perSec(m.body.msgs, m.body.ms), (v) => `${fmt(v)} msgs/s`, true);
    line('FETCH 1:* BODY.PEEK[], bytes received', (m) => m.body.bytes / 1e6 / (m.body.ms / 1000), (v) => `${v.toFixed(0)} MB/s`, true);
    line(`UID SEARCH SUBJECT ${word} (median of 3)`, (m) => m.searchMs, (v) => `${v.toFixed(1)} ms`, false);
    const idleShow = (m: Measured | undefined, err: string) => (m?.idle.error ? `not run: ${m.idle.error}` : m ? `${m.idle.kibPer.toFixed(0)} KiB (PSS ${m.idle.pssPer.toFixed(0)} KiB)${m.idle.clients < m.idle.wanted ? ` (${m.idle.clients} of ${m.idle.wanted} connected in ${IDLE_CAP_MS / 1000} s)` : ''}` : `not run: ${err}`);
    rows.push({
      what: `memory per idle connection: ${fmt(idleClients)} clients logged in, INBOX selected, in IDLE, as ${IDLE_USERS} users sharing the Maildir, from ${IDLE_ADDRS} loopback addresses (RSS after − before ÷ clients; Dovecot: the sum over its imap processes, which counts their shared pages once per process; PSS splits them)`,
      mailroom: idleShow(ours, oursErr),
      dovecot: idleShow(theirs, theirsErr),
      ratio: ours && theirs ? `${(ours.idle.kibPer / theirs.idle.kibPer).toFixed(2)}× the memory` : '–',
      target: '≤ 100 KiB',
    });
  } finally {
    box.remove();
  }
  return rows;
}

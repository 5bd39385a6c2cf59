// npm run bench: sendmail cold start against `node -e 0`, sequential sendmail,
// parallel socket submissions, and the disk's durable-commit ceiling. Prints
// the machine and a markdown table, and writes the table to bench/results.md.
// Every loop is bounded in count and time; everything happens in temp dirs
// that are removed at the end; the bench starts and stops its own daemon.
//
// Also: the relay's drain rate and latency (relay.ts), POP3 retrieval against
// Dovecot (pop3.ts), local delivery into Maildir (local.ts) and IMAP against
// Dovecot over the same Maildir (imap.ts, a table of its own).
//
// Also: the network SMTP listener, plain TCP and STARTTLS + AUTH (listener-load.ts).
//
// Knobs (environment): BENCH_ONLY=startup,seq,socket,listener,disk,relay,pop3,local,imap; BENCH_LISTENER (messages);
// BENCH_IMAP_IDLE=0 and BENCH_IMAP_SERVERS=mailroom for quicker IMAP iterations
// BENCH_STARTUP_RUNS BENCH_SEQ  BENCH_SOCKET  BENCH_SOCKET_WARMUP (0: none)  BENCH_CLIENTS  BENCH_DISK  BENCH_RELAY
// BENCH_POP3  BENCH_LOCAL  BENCH_IMAP (messages)  BENCH_IMAP_IDLE (clients)  BENCH_IMAP_SERVERS (mailroom,dovecot)
// BENCH_IMAP_FETCH (0: SELECT and memory rows only)  BENCH_DAEMON_NODE_ARGS
// (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")  BENCH_NO_WRITE=1 (a run with BENCH_ONLY never writes results.md).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { measureDiskConcurrent, measureDiskGroup, measureDiskJournal, measureDiskSingle, type DiskResult } from './disk.js';
import { createBox, createQuietBox, ROOT, startDaemon } from './sandbox.js';
import { measureSequentialSendmail, type SeqResult } from './sendmail-seq.js';
import { measureSocket, type SocketResult } from './socket-load.js';
import { configureListeners, measureListener } from './listener-load.js';
import { createServer } from 'node:net';
import { describeStartup, FRONTEND, measureStartup, type StartupResult } from './startup.js';
import { ms, rate } from './stats.js';
import { runLocalBench } from './local.js';
import { imapTable, runImapBench, type ImapBenchRow } from './imap.js';
import { runPop3Bench } from './pop3.js';
import { runRelayBench } from './relay.js';

const num = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const only = new Set((process.env.BENCH_ONLY ?? 'startup,seq,socket,listener,disk,relay,pop3,local,imap').split(',').map((s) => s.trim()));

const FS_TYPES: Record<number, string> = { 0xef53: 'ext4', 0x01021994: 'tmpfs', 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0x794c7630: 'overlayfs', 0x2fc12fc1: 'zfs' };

function machine(dir: string): string {
  const c = cpus();
  let fs = 'unknown';
  try {
    const t = statfsSync(dir).type;
    fs = FS_TYPES[t] ?? `0x${t.toString(16)}`;
  } catch {
    /* keep unknown */
  }
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  return `${availableParallelism()} cores (${c[0]?.model.trim() ?? 'unknown cpu'}), Node ${process.version}, Linux ${release()}, spool on ${fs}; load average at start ${load}`;
}

/**
 * Each timed group starts on a settled disk: what the groups before it wrote is
 * flushed, and what they removed is more than 5 s old. ext4 skips inodes freed
 * in the last 5 s when it allocates one (recently_deleted(), on a file system
 * without a journal, as this VM's): right after thousands of removals, creating
 * a file costs 120–400 µs of CPU instead of ~10 µs.
 */
async function settle(): Promise<void> {
  spawnSync('sync');
  await new Promise((r) => setTimeout(r, 6000));
}

interface Row {
  what: string;
  result: string;
  target: string;
}

async function main(): Promise<void> {
  const box = createBox('run');
  const rows: Row[] = [];
  const notes: string[] = [];
  let startup: StartupResult | undefined;
  let seq: SeqResult | undefined;
  let seqFe: SeqResult | undefined;
  let sock: SocketResult | undefined;
  let sockCold: SocketResult | undefined;
  let listenPlain: SocketResult | undefined;
  let listenTls: SocketResult | undefined;
  let disk1: DiskResult | undefined;
  let diskN: DiskResult | undefined;
  let diskG: DiskResult | undefined;
  let diskJ: DiskResult | undefined;
  let sockCreateUs = 0;
  const mach = machine(box.dir);
  process.stdout.write(`machine: ${mach}\n`);
  const clients = num('BENCH_CLIENTS', 8);
  try {
    const daemonArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
    if (only.has('startup') || only.has('seq')) {
      const daemon = await startDaemon(box, daemonArgs);
      try {
        if (only.has('startup')) {
          await settle(); // what the build just wrote is flushed first
          const runs = num('BENCH_STARTUP_RUNS', 30);
          process.stdout.write(`startup: ${runs} runs each of sendmail and node -e 0, interleaved ...\n`);
          startup = await measureStartup(box, runs, 120_000);
          const d = describeStartup(startup);
          process.stdout.write(`  sendmail (Node path) ${ms(d.sendmail)}, front end ${d.frontend === undefined ? 'not built' : `${ms(d.frontend)} (directly ${ms(d.frontendDirect!)})`}, node -e 0 ${ms(d.node)}, /bin/true ${ms(d.spawn)}, ${d.ratio.toFixed(2)}×\n`);
        }
        if (only.has('seq')) {
          await settle();
          const n = num('BENCH_SEQ', 1000);
          process.stdout.write(`sequential sendmail: ${n} messages ...\n`);
          seq = await measureSequentialSendmail(box, n, 180_000);
          process.stdout.write(`  ${seq.sent} in ${(seq.ms / 1000).toFixed(1)} s\n`);
          if (existsSync(FRONTEND)) {
            await settle();
            process.stdout.write(`sequential sendmail through the front end: ${n} messages ...\n`);
            seqFe = await measureSequentialSendmail(box, n, 180_000, 'frontend');
            process.stdout.write(`  ${seqFe.sent} in ${(seqFe.ms / 1000).toFixed(1)} s\n`);
          }
        }
      } finally {
        await daemon.stop();
      }
    }
    // After the sendmail rows: the disk rows remove thousands of files, and
    // the discards and write-back that follow would slow sendmail's fsyncs.
    if (only.has('disk')) {
      const n = num('BENCH_DISK', 2000);
      await settle();
      process.stdout.write(`disk: ${n} durable commits, 1 writer, then ${clients} writers ...\n`);
      disk1 = measureDiskSingle(join(box.dir, 'disk'), n, 60_000);
      diskN = await measureDiskConcurrent(join(box.dir, 'disk'), n, clients, 60_000);
      process.stdout.write(`  ${rate((disk1.ops * 1000) / disk1.ms)} and ${rate((diskN.ops * 1000) / diskN.ms)}\n`);
      const groupBox = createQuietBox('group'); // a block group of its own (sandbox.ts)
      try {
        await settle();
        diskG = await measureDiskGroup(join(groupBox.dir, 'disk'), n * 2, clients, 60_000);
      } finally {
        groupBox.remove();
      }
      if (diskG) process.stdout.write(`  group commit (syncfs per ${clients}): ${rate((diskG.ops * 1000) / diskG.ms)}\n`);
      const journalBox = createQuietBox('journal');
      try {
        await settle();
        diskJ = await measureDiskJournal(join(journalBox.dir, 'spool'), n * 2, clients, 60_000);
      } finally {
        journalBox.remove();
      }
      if (diskJ) process.stdout.write(`  commit journal (${clients} in flight): ${rate((diskJ.ops * 1000) / diskJ.ms)}\n`);
    }
    if (only.has('socket')) {
      // A box of its own: the sequential row's maildrop removals are not its business.
      const sockBox = createQuietBox('socket');
      sockCreateUs = sockBox.createUs;
      try {
        const daemon = await startDaemon(sockBox, daemonArgs);
        try {
          await settle();
          const n = num('BENCH_SOCKET', 5000);
          // A daemon's first thousand or so messages run before V8 has
          // compiled its hot paths (and the load generator's), at about two
          // thirds of the rate that follows (bench/results.md): the row times
          // the daemon as it runs for real, warm; the warm-up has a row too.
          const warm = num('BENCH_SOCKET_WARMUP', 2000);
          if (warm > 0) {
            process.stdout.write(`socket: warming up the fresh daemon with ${warm} messages ...\n`);
            sockCold = await measureSocket(sockBox.socket, warm, clients, 60_000);
            process.stdout.write(`  ${sockCold.sent} in ${(sockCold.ms / 1000).toFixed(1)} s\n`);
          }
          process.stdout.write(`socket: ${n} messages over ${clients} SMTP connections ...\n`);
          sock = await measureSocket(sockBox.socket, n, clients, 120_000);
          process.stdout.write(`  ${sock.sent} in ${(sock.ms / 1000).toFixed(1)} s\n`);
        } finally {
          await daemon.stop();
        }
      } finally {
        sockBox.remove();
      }
    }
    if (only.has('listener')) {
      const lBox = createQuietBox('listener');
      const port = () =>
        new Promise<number>((r) => {
          const srv = createServer().listen(0, '127.0.0.1', () => {
            const p = (srv.address() as { port: number }).port;
            srv.close(() => r(p));
          });
        });
      try {
        await configureListeners(lBox, await port(), await port());
        const text = readFileSync(lBox.config, 'utf8');
        const [plainPort, tlsPort] = [...text.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
        const daemon = await startDaemon(lBox, daemonArgs);
        try {
          await settle();
          const n = num('BENCH_LISTENER', 5000);
          const warm = num('BENCH_SOCKET_WARMUP', 2000);
          process.stdout.write(`listener: warming up with ${warm} messages, then ${n} over ${clients} plain TCP connections ...\n`);
          await measureListener(plainPort!, 'plain', warm, clients, 60_000);
          listenPlain = await measureListener(plainPort!, 'plain', n, clients, 120_000);
          process.stdout.write(`  ${listenPlain.sent} in ${(listenPlain.ms / 1000).toFixed(1)} s\n`);
          process.stdout.write(`listener: ${n} messages over ${clients} STARTTLS + AUTH connections ...\n`);
          listenTls = await measureListener(tlsPort!, 'tls', n, clients, 120_000);
          process.stdout.write(`  ${listenTls.sent} in ${(listenTls.ms / 1000).toFixed(1)} s\n`);
        } finally {
          await daemon.stop();
        }
      } finally {
        lBox.remove();
      }
    }
  } finally {
    box.remove();
  }
  const later: Row[] = [];
  if (only.has('relay')) {
    await settle();
    process.stdout.write('relay: drain to a sink, then single-message latency ...\n');
    later.push(...(await runRelayBench({ messages: num('BENCH_RELAY', 2000) })));
  }
  if (only.has('local')) {
    await settle();
    process.stdout.write('local delivery into Maildir ...\n');
    later.push(...(await runLocalBench({ daemonArgs: (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean) })));
  }
  if (only.has('pop3')) {
    await settle();
    process.stdout.write('POP3: UIDL + RETR of a mixed mailbox, mailroom and Dovecot ...\n');
    later.push(...(await runPop3Bench({ messages: num('BENCH_POP3', 10000), log: (l) => process.stdout.write(`  ${l}\n`) })));
  }
  for (const r of later) process.stdout.write(`  ${r.what}: ${r.result}\n`);
  let imapRows: ImapBenchRow[] = [];
  if (only.has('imap')) {
    await settle();
    process.stdout.write('IMAP: a 10,000-message Maildir, mailroom and Dovecot ...\n');
    imapRows = await runImapBench({ messages: num('BENCH_IMAP', 10000), idleClients: process.env.BENCH_IMAP_IDLE === '0' ? 0 : num('BENCH_IMAP_IDLE', 1000), log: (l) => process.stdout.write(`  ${l}\n`) });
  }

  if (startup) {
    const s = describeStartup(startup);
    rows.push({ what: `\`node -e 0\` (median of ${startup.runs})`, result: ms(s.node), target: '' });
    rows.push({ what: `sendmail cold start, the Node path, \`-i rcpt < msg\` (median of ${startup.runs})`, result: ms(s.sendmail), target: '' });
    rows.push({ what: 'sendmail (Node path) / `node -e 0`', result: `${s.ratio.toFixed(2)}× (pairs IQR ${s.spread})`, target: '≤ 1.30×' });
    if (s.frontend !== undefined) {
      rows.push({ what: `sendmail cold start, the compiled front end through \`bin/sendmail\` to the running daemon, exit once stored (median of ${startup.runs})`, result: ms(s.frontend), target: '≤ 15 ms' });
      rows.push({ what: `the same, the front end's binary run directly (as when /usr/sbin/sendmail links to it)`, result: ms(s.frontendDirect!), target: '≤ 15 ms' });
      rows.push({ what: `spawning \`/bin/true\` from the bench (included in every row above)`, result: ms(s.spawn), target: '' });
    }
    else notes.push('The compiled sendmail front end is not built (no C compiler at install): its rows are missing.');
  }
  if (seq) {
    rows.push({ what: `sequential sendmail, the Node path, 1 process per message (${seq.sent}${seq.capped ? ` of ${seq.wanted}, time cap` : ''}), until queued`, result: rate((seq.sent * 1000) / seq.ms), target: '' });
  }
  if (seqFe) {
    rows.push({ what: `sequential sendmail, the compiled front end, 1 process per message (${seqFe.sent}${seqFe.capped ? ` of ${seqFe.wanted}, time cap` : ''}), until queued`, result: rate((seqFe.sent * 1000) / seqFe.ms), target: '≥ 100/s' });
  }
  if (sock) {
    rows.push({ what: `socket SMTP, ${sock.clients} clients, PIPELINING (${sock.sent}${sock.capped ? ` of ${sock.wanted}, time cap` : ''} messages${sockCold ? ` after ${sockCold.sent} to warm up` : ''}; a file creation in its spool: ${sockCreateUs.toFixed(0)} µs)`, result: rate((sock.sent * 1000) / sock.ms), target: '≥ 2,500/s' });
  }
  if (sockCold) {
    rows.push({ what: `socket SMTP, the warm-up: the first ${sockCold.sent} messages of the freshly started daemon`, result: rate((sockCold.sent * 1000) / sockCold.ms), target: '' });
  }
  if (listenPlain) rows.push({ what: `listener SMTP over TCP, ${listenPlain.clients} clients, PIPELINING, plain (${listenPlain.sent}${listenPlain.capped ? ` of ${listenPlain.wanted}, time cap` : ''} messages)`, result: rate((listenPlain.sent * 1000) / listenPlain.ms), target: '≥ 2,500/s' });
  if (listenTls) rows.push({ what: `listener SMTP over TCP, ${listenTls.clients} clients, PIPELINING, STARTTLS + AUTH (${listenTls.sent}${listenTls.capped ? ` of ${listenTls.wanted}, time cap` : ''} messages)`, result: rate((listenTls.sent * 1000) / listenTls.ms), target: '' });
  if (disk1) rows.push({ what: `disk: create+write+fsync+rename+dir fsync, 1 writer (${disk1.ops})`, result: rate((disk1.ops * 1000) / disk1.ms), target: 'ceiling' });
  if (diskN) rows.push({ what: `disk: the same, ${diskN.writers} writers (${diskN.ops})`, result: rate((diskN.ops * 1000) / diskN.ms), target: 'ceiling' });
  if (diskG) rows.push({ what: `disk: group commit by syncfs, batches of ${diskG.writers} (2 new files + rename each, one syncfs) (${diskG.ops} messages)`, result: rate((diskG.ops * 1000) / diskG.ms), target: 'ceiling' });
  if (diskJ) rows.push({ what: `disk: the daemon's commit journal, batches of ${diskJ.writers} (2 new files + rename + a record each, one fdatasync; its checkpoints) (${diskJ.ops} messages)`, result: rate((diskJ.ops * 1000) / diskJ.ms), target: 'ceiling' });
  rows.push(...later);
  if (sock && diskJ) notes.push(`Socket submissions are ${(((sock.sent * 1000) / sock.ms) / ((diskJ.ops * 1000) / diskJ.ms)).toFixed(2)}× the ceiling of the daemon's commit journal (batches of ${diskJ.writers}).`);
  else if (sock && diskG) notes.push(`Socket submissions are ${(((sock.sent * 1000) / sock.ms) / ((diskG.ops * 1000) / diskG.ms)).toFixed(2)}× the spool's group-commit ceiling (one syncfs per batch of ${diskG.writers}).`);
  else if (sock && diskN) notes.push(`Socket submissions are ${(((sock.sent * 1000) / sock.ms) / ((diskN.ops * 1000) / diskN.ms)).toFixed(2)}× the ${diskN.writers}-writer disk rate (no syncfs addon: an fsync per file).`);

  const table = ['| measurement | result | target |', '|---|---:|---|', ...rows.map((r) => `| ${r.what} | ${r.result} | ${r.target} |`)].join('\n');
  const imap = imapRows.length ? `\n${imapTable(imapRows)}\n` : '';
  const text = `Machine: ${mach}\n\n${rows.length ? `${table}\n` : ''}${imap}${notes.length ? `\n${notes.join('\n')}\n` : ''}`;
  process.stdout.write(`\n${text}`);
  // A partial run (BENCH_ONLY) would replace the whole table with its few rows: printed only.
  if (process.env.BENCH_ONLY) process.stdout.write('\n(BENCH_ONLY: a partial run; bench/results.md is left as it is)\n');
  else if (!process.env.BENCH_NO_WRITE) {
    // The latest table replaces the old one; the notes written by hand below
    // NOTES_MARK (the runs compared, where the time goes) are kept.
    const file = join(ROOT, 'bench', 'results.md');
    const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const kept = old.includes(NOTES_MARK) ? old.slice(old.indexOf(NOTES_MARK)) : '';
    writeFileSync(file, `# mailroom bench results\n\n\`npm run bench\`, ${new Date().toISOString().slice(0, 10)}.\n\n${text}${kept ? `\n${kept}` : ''}`);
  }
}

const NOTES_MARK = '## Notes';

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});

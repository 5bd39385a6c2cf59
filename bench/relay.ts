// Relay benchmark: drain rate of 2,000 queued messages to a local sink
// (Postfix's smtp-sink when unpacked under /opt/postfix-tools, else the
// aiosmtpd smart host of the tests), and the median submit -> sink latency of
// single messages with an idle daemon. Every loop is bounded; temp dirs removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlSocketPath, sendControl } from '../src/shared/control.js';
import { freePort, ROOT, sandboxWith, smtpDialog, startDaemon, waitFor, type Sandbox } from '../test/helpers/env.js';
import { idsIn, queueSize } from '../test/relay/sandbox.js';

const SMTP_SINK = '/opt/postfix-tools/usr/sbin/smtp-sink';


interface Sink {
  port: number;
  name: string;
  stop(): void;
}

async function startSink(): Promise<Sink> {
  const port = await freePort();
  let proc: ChildProcess;
  let name: string;
  let dir: string | undefined;
  if (existsSync(SMTP_SINK)) {
    // Unpacked from the .deb (not installed): its libraries are beside it; as root it needs -u.
    const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
    proc = spawn(SMTP_SINK, [...asRoot, `127.0.0.1:${port}`, '1000'], { stdio: 'ignore', env: { ...process.env, LD_LIBRARY_PATH: '/opt/postfix-tools/usr/lib/postfix' } });
    name = 'Postfix smtp-sink';
  } else {
    dir = mkdtempSync(join(tmpdir(), 'mailroom-sink-'));
    proc = spawn('/usr/bin/python3', [join(ROOT, 'test/relay/peers/smarthost.py'), '--port', String(port), '--out', join(dir, 'out')], { stdio: 'ignore' });
    name = 'aiosmtpd';
  }
  await waitFor(
    () =>
      new Promise<boolean>((r) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), r(true)));
        s.once('error', () => r(false));
      }),
    10_000,
    'sink',
  );
  return {
    port,
    name,
    stop: () => {
      proc.kill('SIGKILL');
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function runRelayBench(opts: { messages?: number; latencySamples?: number } = {}): Promise<{ what: string; result: string; target: string }[]> {
  const n = opts.messages ?? 2000;
  const rows: { what: string; result: string; target: string }[] = [];
  const sink = await startSink();
  const sb = sandboxWith(() => '', { prefix: 'mailroom-bench-relay-' });
  const header = readFileSync(sb.config, 'utf8');
  const pointAt = (port: number) => writeFileSync(sb.config, header + relayYaml(port));
  try {
    // Drain: queue n messages while the relay points at a closed port, then
    // point it at the sink and time the flush until the queue is empty.
    const closed = await freePort();
    pointAt(closed);
    let d = await startDaemon(sb);
    const cmds: string[] = ['EHLO bench\r\n'];
    for (let i = 0; i < n; i++) cmds.push('MAIL FROM:<bench@example.org>\r\n', `RCPT TO:<r${i}@example.net>\r\n`, 'DATA\r\n', `Subject: drain ${i}\r\n\r\n${'x'.repeat(1000)}\r\n.\r\n`);
    cmds.push('QUIT\r\n');
    await smtpDialog(sb.socket, cmds);
    await waitFor(() => queueSize(sb) === n, 120_000, 'queued');
    await waitFor(() => countDeferred(sb) === n, 120_000, 'first attempt done');
    await d.stop();
    pointAt(sink.port);
    // BENCH_DAEMON_NODE_ARGS (e.g. --cpu-prof) apply to the draining daemon only.
    d = await startDaemon(sb, (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean));
    // The flush goes over the control socket as `mailroom queue flush` sends it,
    // so the clock measures the drain, not the start-up of a CLI process.
    const t0 = process.hrtime.bigint();
    if ((await sendControl(controlSocketPath(sb.socket), 'flush', true)) === undefined) throw new Error('the daemon did not answer the flush');
    await waitFor(() => queueSize(sb) === 0, 300_000, 'drained');
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    rows.push({ what: `relay drain: ${n} queued messages to ${sink.name} (concurrency 16)`, result: `${Math.round(n / secs)} msgs/s`, target: '>= 1,500 msgs/s' });
    await d.stop();
    // Latency: single messages with an idle daemon, from the start of the
    // submission to the final "." arriving at the receiving server.
    const timing = await startTimingSink();
    pointAt(timing.port);
    d = await startDaemon(sb);
    const samples: number[] = [];
    try {
      for (let i = 0; i < (opts.latencySamples ?? 30); i++) {
        const before = timing.arrivals.length;
        const s0 = Number(process.hrtime.bigint()) / 1e6;
        await smtpDialog(sb.socket, ['EHLO bench\r\n', 'MAIL FROM:<lat@example.org>\r\n', 'RCPT TO:<lat@example.net>\r\n', 'DATA\r\n', `Subject: latency ${i}\r\n\r\nx\r\n.\r\n`, 'QUIT\r\n']);
        await waitFor(() => timing.arrivals.length > before, 10_000, 'latency delivery');
        samples.push(timing.arrivals[before]! - s0);
        await waitFor(() => queueSize(sb) === 0, 10_000, 'idle');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      timing.stop();
    }
    samples.sort((a, b) => a - b);
    rows.push({ what: 'submit -> receiving server latency, single messages, idle daemon (median)', result: `${samples[Math.floor(samples.length / 2)]!.toFixed(1)} ms`, target: '< 30 ms' });
    await d.stop();
  } finally {
    sink.stop();
    sb.cleanup();
  }
  return rows;
}

/** The relay block of the bench daemon's config: one smart host on 127.0.0.1. */
function relayYaml(port: number): string {
  return `relay:\n  mode: smarthost\n  concurrency: 16\n  retry: [1h]\n  smarthosts:\n    - { host: 127.0.0.1, port: ${port}, tls: none }\n`;
}

function countDeferred(sb: Sandbox): number {
  return idsIn(sb, 'deferred').length;
}

/**
 * A minimal SMTP sink that notes when each message's final "." arrives, so the
 * latency is measured at the receiver, not by polling the queue.
 */
async function startTimingSink(): Promise<{ port: number; arrivals: number[]; stop(): void }> {
  const arrivals: number[] = [];
  const server = createServer((sock) => {
    sock.setNoDelay(true);
    let inData = false;
    let buf = '';
    sock.write('220 sink ESMTP\r\n');
    sock.on('error', () => undefined);
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            arrivals.push(Number(process.hrtime.bigint()) / 1e6);
            sock.write('250 2.0.0 Ok\r\n');
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') sock.write('250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          inData = true;
          sock.write('354 go\r\n');
        } else if (verb === 'QUIT') sock.end('221 bye\r\n');
        else sock.write('250 2.0.0 Ok\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, arrivals, stop: () => server.close() };
}

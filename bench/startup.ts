// sendmail cold start: wall time of the Node path, `bin/sendmail-node -C CFG
// -i rcpt < message` (one process per message, the daemon running so the poke
// lands), of the compiled front end handing the same to the daemon (when it
// is built), and of `node -e 0`, interleaved run by run so all see the same
// machine load. Times include Node's spawn of each process (~1 ms).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BIN, ROOT, smallMessage, type BenchBox } from './sandbox.js';
import { median, percentile } from './stats.js';

export interface StartupResult {
  runs: number;
  node: number[];
  sendmail: number[];
  /** The compiled front end through bin/sendmail (its /bin/sh wrapper); empty when it is not built. */
  frontend: number[];
  /** The compiled front end run directly (as when /usr/sbin/sendmail links to it). */
  frontendDirect: number[];
  /** `/bin/true`: what spawning a process from this bench costs by itself. */
  spawn: number[];
}

export const FRONTEND = join(ROOT, 'native/sendmail/build/mailroom-sendmail');

/** bin/sendmail through the front end to the box's daemon (MAILROOM_SENDMAIL_SOCKET). */
export function frontendEnv(box: BenchBox): NodeJS.ProcessEnv {
  return { ...process.env, MAILROOM_CONFIG: box.config, MAILROOM_SENDMAIL_SOCKET: join(dirname(box.socket), 'sendmail.sock') };
}

/** Runs a command with stdin from a file; resolves to its wall time in ms. */
export function timeProcess(cmd: string, args: string[], stdinFile: string, timeoutMs = 20_000, env?: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const fd = openSync(stdinFile, 'r');
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: [fd, 'ignore', 'pipe'], ...(env ? { env } : {}) });
    closeSync(fd);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const t = performance.now() - t0;
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}: ${err.trim()}`));
      else resolvePromise(t);
    });
  });
}

export async function measureStartup(box: BenchBox, runs: number, budgetMs: number): Promise<StartupResult> {
  const msg = join(box.dir, 'startup-message.txt');
  writeFileSync(msg, smallMessage());
  const nodePath = join(BIN, 'sendmail-node');
  const smArgs = ['-C', box.config, '-i', 'ops@example.net'];
  const fe = existsSync(FRONTEND);
  const feEnv = frontendEnv(box);
  const feArgs = ['-i', 'ops@example.net'];
  // Warm the page cache and the config cache file once, untimed.
  await timeProcess(nodePath, smArgs, msg);
  await timeProcess(process.execPath, ['-e', '0'], msg);
  if (fe) await timeProcess(join(BIN, 'sendmail'), feArgs, msg, 20_000, feEnv);
  const out: StartupResult = { runs: 0, node: [], sendmail: [], frontend: [], frontendDirect: [], spawn: [] };
  const steps: (() => Promise<void>)[] = [
    async () => void out.node.push(await timeProcess(process.execPath, ['-e', '0'], msg)),
    async () => void out.sendmail.push(await timeProcess(nodePath, smArgs, msg)),
    async () => void out.spawn.push(await timeProcess('/bin/true', [], msg)),
    ...(fe
      ? [
          async () => void out.frontend.push(await timeProcess(join(BIN, 'sendmail'), feArgs, msg, 20_000, feEnv)),
          async () => void out.frontendDirect.push(await timeProcess(FRONTEND, feArgs, msg, 20_000, feEnv)),
        ]
      : []),
  ];
  const until = performance.now() + budgetMs;
  for (let i = 0; i < runs && performance.now() < until; i++) {
    // Rotate which goes first so none always follows another.
    for (let k = 0; k < steps.length; k++) await steps[(i + k) % steps.length]!();
    out.runs++;
  }
  return out;
}

export function describeStartup(r: StartupResult): { node: number; sendmail: number; frontend: number | undefined; frontendDirect: number | undefined; spawn: number; ratio: number; spread: string } {
  const node = median(r.node);
  const sendmail = median(r.sendmail);
  const frontend = r.frontend.length ? median(r.frontend) : undefined;
  const frontendDirect = r.frontendDirect.length ? median(r.frontendDirect) : undefined;
  const spawn = median(r.spawn);
  // The ratio of medians; the per-pair ratio's interquartile range shows the noise.
  const pairs = r.node.map((n, i) => r.sendmail[i]! / n);
  return { node, sendmail, frontend, frontendDirect, spawn, ratio: sendmail / node, spread: `${percentile(pairs, 25).toFixed(2)}–${percentile(pairs, 75).toFixed(2)}` };
}

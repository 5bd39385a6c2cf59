// sendmail cold start: wall time of `bin/sendmail -C CFG -i rcpt < message`
// (one process per message, the daemon running so the poke lands) against
// `node -e 0`, interleaved run by run so both see the same machine load.
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, smallMessage, type BenchBox } from './sandbox.js';
import { median, percentile } from './stats.js';

export interface StartupResult {
  runs: number;
  node: number[];
  sendmail: number[];
}

/** Runs a command with stdin from a file; resolves to its wall time in ms. */
export function timeProcess(cmd: string, args: string[], stdinFile: string, timeoutMs = 20_000): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const fd = openSync(stdinFile, 'r');
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: [fd, 'ignore', 'pipe'] });
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
  const sendmail = join(BIN, 'sendmail');
  const smArgs = ['-C', box.config, '-i', 'ops@example.net'];
  // Warm the page cache and the config cache file once, untimed.
  await timeProcess(sendmail, smArgs, msg);
  await timeProcess(process.execPath, ['-e', '0'], msg);
  const out: StartupResult = { runs: 0, node: [], sendmail: [] };
  const until = performance.now() + budgetMs;
  for (let i = 0; i < runs && performance.now() < until; i++) {
    // Alternate which goes first so neither always follows the other.
    if (i % 2 === 0) {
      out.node.push(await timeProcess(process.execPath, ['-e', '0'], msg));
      out.sendmail.push(await timeProcess(sendmail, smArgs, msg));
    } else {
      out.sendmail.push(await timeProcess(sendmail, smArgs, msg));
      out.node.push(await timeProcess(process.execPath, ['-e', '0'], msg));
    }
    out.runs++;
  }
  return out;
}

export function describeStartup(r: StartupResult): { node: number; sendmail: number; ratio: number; spread: string } {
  const node = median(r.node);
  const sendmail = median(r.sendmail);
  // The ratio of medians; the per-pair ratio's interquartile range shows the noise.
  const pairs = r.node.map((n, i) => r.sendmail[i]! / n);
  return { node, sendmail, ratio: sendmail / node, spread: `${percentile(pairs, 25).toFixed(2)}–${percentile(pairs, 75).toFixed(2)}` };
}

// Sequential sendmail: one process per message, one after the other, with the
// daemon running; the clock stops when every message is in the queue proper
// (picked up from maildrop/ and published), not when the last process exits.
// Either the Node path (bin/sendmail-node) or the compiled front end, which
// exits once the daemon has stored the message.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, smallMessage, type BenchBox } from './sandbox.js';
import { since, sleep } from './stats.js';
import { frontendEnv, timeProcess } from './startup.js';

export interface SeqResult {
  sent: number;
  wanted: number;
  ms: number;
  capped: boolean;
}

export async function measureSequentialSendmail(box: BenchBox, n: number, budgetMs: number, how: 'node' | 'frontend' = 'node'): Promise<SeqResult> {
  const msg = join(box.dir, 'seq-message.txt');
  writeFileSync(msg, smallMessage(1));
  const before = box.queued();
  const sendmail = join(BIN, how === 'node' ? 'sendmail-node' : 'sendmail');
  const args = how === 'node' ? ['-C', box.config, '-i', 'ops@example.net'] : ['-i', 'ops@example.net'];
  const env = how === 'node' ? undefined : frontendEnv(box);
  const t0 = performance.now();
  let sent = 0;
  while (sent < n && since(t0) < budgetMs) {
    await timeProcess(sendmail, args, msg, 20_000, env);
    sent++;
  }
  // Wait (30 s at most) for the daemon to publish what was dropped.
  const until = performance.now() + 30_000;
  while (box.queued() - before < sent && performance.now() < until) await sleep(5);
  const queued = box.queued() - before;
  if (queued < sent) throw new Error(`only ${queued} of ${sent} messages reached the queue`);
  return { sent, wanted: n, ms: since(t0), capped: sent < n };
}

// The daemon's control socket (control.sock beside the submission socket, mode
// 0666): one line in, one line out. "pickup" (a hint that maildrop/ has mail),
// "flush", "flush R <site>", "flush I <id>": hints only, the daemon also scans
// on a timer, so a lost poke costs latency, never mail. "settle <id>": asked by
// an administrator's command that holds the message's lock, answered "idle"
// once the queue runner is not working on it ("busy" after a few seconds).
// "status": the daemon's counters as one JSON line (DaemonStatus, daemon/stats.ts).
import { connect } from 'node:net';
import { dirname, join } from 'node:path';

export type DeliveryResult = 'delivered' | 'deferred' | 'failed';
export const DELIVERY_RESULTS: readonly DeliveryResult[] = ['delivered', 'deferred', 'failed'];

/** One count per result. */
export type ResultCounts = Record<DeliveryResult, number>;

/**
 * The last attempt that did not deliver. Only the reply's codes: the control
 * socket is open to every local user, and a reply's text often names the
 * recipient (the full text is in the log and in `mailroom queue show`).
 */
export interface LastError {
  id: string;
  at: string;
  result: Exclude<DeliveryResult, 'delivered'>;
  code: string;
}

/** The daemon's answer to the control command "status" (one JSON line). */
export interface DaemonStatus {
  pid: number;
  startedAt: string;
  version: string;
  total: ResultCounts;
  lastHour: ResultCounts;
  lastError: LastError | null;
}

export function controlSocketPath(submitSocket: string): string {
  return join(dirname(submitSocket), 'control.sock');
}

/** How long the daemon lets a delivery in progress finish for `settle` before it answers "busy". */
export const SETTLE_WAIT_MS = 4000;

export type ControlAnswer = { kind: 'answer'; text: string } | { kind: 'absent' } | { kind: 'timeout' };

/**
 * Asks the daemon and tells "no daemon listens" (no socket, connection
 * refused) from "it did not answer in time". Without wait, the command is
 * sent and the answer is "sent" as soon as it is written.
 */
export function askDaemon(path: string, command: string, timeoutMs: number, wait = true): Promise<ControlAnswer> {
  return new Promise((resolve) => {
    const sock = connect(path);
    let answer = '';
    const done = (v: ControlAnswer) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done({ kind: 'timeout' }));
    sock.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? { kind: 'absent' } : { kind: 'timeout' }));
    sock.on('connect', () => {
      sock.write(command + '\n');
      if (!wait) {
        sock.end();
        done({ kind: 'answer', text: 'sent' });
      }
    });
    sock.on('data', (d) => {
      answer += d.toString();
      if (answer.includes('\n')) done({ kind: 'answer', text: answer.trim() });
    });
    sock.on('end', () => done(answer.trim() ? { kind: 'answer', text: answer.trim() } : { kind: 'timeout' }));
  });
}

/**
 * Sends one command. With wait, resolves to the daemon's answer (or undefined
 * when no daemon listens or it does not answer); without, fires and forgets.
 */
export async function sendControl(path: string, command: string, wait = false, timeoutMs = 2000): Promise<string | undefined> {
  const r = await askDaemon(path, command, timeoutMs, wait);
  return r.kind === 'answer' ? r.text : undefined;
}

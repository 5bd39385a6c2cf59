// The daemon's control socket (control.sock beside the submission socket, mode
// 0666): one line in, one line out. "pickup" (a hint that maildrop/ has mail),
// "flush", "flush R <site>", "flush I <id>": hints only, the daemon also scans
// on a timer, so a lost poke costs latency, never mail. "settle <id>": asked by
// an administrator's command that holds the message's lock, answered "idle"
// once the queue runner is not working on it ("busy" after a few seconds).
import { connect } from 'node:net';
import { dirname, join } from 'node:path';

export function controlSocketPath(submitSocket: string): string {
  return join(dirname(submitSocket), 'control.sock');
}

/**
 * Sends one command. With wait, resolves to the daemon's answer (or undefined
 * when no daemon listens); without, fires and forgets.
 */
export function sendControl(path: string, command: string, wait = false, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = connect(path);
    let answer = '';
    const done = (v: string | undefined) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(undefined));
    sock.on('error', () => done(undefined));
    sock.on('connect', () => {
      sock.write(command + '\n');
      if (!wait) {
        sock.end();
        done('sent');
      }
    });
    sock.on('data', (d) => {
      answer += d.toString();
      if (answer.includes('\n')) done(answer.trim());
    });
    sock.on('end', () => done(answer.trim() || undefined));
  });
}

export type ControlAnswer = { kind: 'answer'; text: string } | { kind: 'absent' } | { kind: 'timeout' };

/**
 * Asks the daemon and tells "no daemon listens" (no socket, connection
 * refused) from "it did not answer in time".
 */
export function askDaemon(path: string, command: string, timeoutMs: number): Promise<ControlAnswer> {
  return new Promise((resolve) => {
    const sock = connect(path);
    let answer = '';
    const done = (v: ControlAnswer) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done({ kind: 'timeout' }));
    sock.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? { kind: 'absent' } : { kind: 'timeout' }));
    sock.on('connect', () => sock.write(command + '\n'));
    sock.on('data', (d) => {
      answer += d.toString();
      if (answer.includes('\n')) done({ kind: 'answer', text: answer.trim() });
    });
    sock.on('end', () => done(answer ? { kind: 'answer', text: answer.trim() } : { kind: 'timeout' }));
  });
}

// The SMTP/LMTP test client over a Unix socket: raw, for tests where exact
// bytes and timing matter (pipelining, "250 only after the file is on disk"),
// with replies parsed as they arrive and `onReply` run synchronously on each
// one; and smtpDialog, one command after each reply, on top of it.
import { connect, type Socket } from 'node:net';

export interface RawClient {
  sock: Socket;
  /** Waits for the next n replies (multi-line replies joined by \n). */
  replies(n: number, timeoutMs?: number): Promise<string[]>;
  write(data: string | Buffer): void;
  close(): void;
}

export async function rawClient(path: string, onReply?: (reply: string) => void): Promise<RawClient> {
  const sock = connect(path);
  sock.setNoDelay(true);
  const got: string[] = [];
  let buf = '';
  let cur: string[] = [];
  let wake: (() => void) | undefined;
  sock.on('data', (d) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 2);
      cur.push(line);
      if (/^\d{3}( |$)/.test(line)) {
        const r = cur.join('\n');
        cur = [];
        onReply?.(r);
        got.push(r);
        wake?.();
      }
    }
  });
  sock.on('error', () => wake?.());
  await new Promise<void>((res, rej) => {
    sock.once('connect', () => res());
    sock.once('error', rej);
  });
  return {
    sock,
    async replies(n, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (got.length < n) {
        if (sock.destroyed || Date.now() > until) throw new Error(`wanted ${n} replies, got ${JSON.stringify(got)}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return got.splice(0, n);
    },
    write: (data) => void sock.write(data),
    close: () => sock.destroy(),
  };
}

/**
 * A minimal SMTP/LMTP dialog: sends each command after the previous reply and
 * returns the greeting and the replies (multi-line replies joined by \n).
 */
export async function smtpDialog(path: string, commands: (string | Buffer)[]): Promise<string[]> {
  const c = await rawClient(path);
  try {
    const out = await c.replies(1);
    for (const cmd of commands) {
      c.write(cmd);
      out.push(...(await c.replies(1)));
    }
    return out;
  } finally {
    c.close();
  }
}

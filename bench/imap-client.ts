// A minimal raw-socket IMAP client for the bench and the server comparison
// test: sends a tagged command and reads until its tagged completion,
// stepping over literals ({n}\r\n + n bytes) without parsing anything else,
// so it costs next to nothing per response line. Counts the bytes received.
import { connect, type Socket } from 'node:net';

export interface Reply {
  /** The tagged completion line without the tag ("OK ..."). */
  status: string;
  /** Everything the server sent for the command, tagged line included (kept only when asked). */
  text?: Buffer;
  bytes: number;
}

export class RawImap {
  bytes = 0;
  private buf: Buffer = Buffer.alloc(0);
  private waiter?: () => void;
  private err?: Error;
  private seq = 0;

  private constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.bytes += d.length;
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.waiter?.();
    });
    const fail = (e: Error) => {
      this.err = e;
      this.waiter?.();
    };
    sock.on('error', fail);
    sock.on('close', () => fail(new Error('connection closed')));
  }

  /** Connects and reads the greeting. */
  static async open(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawImap> {
    const sock = connect({ port, host, noDelay: true, localAddress });
    await new Promise<void>((res, rej) => {
      sock.once('connect', () => res());
      sock.once('error', rej);
    });
    const c = new RawImap(sock);
    await c.readUntil((line) => line.startsWith('* '), 0);
    return c;
  }

  /**
   * Waits for data until a line (outside literals) satisfies `done`; returns
   * the bytes up to and including it. What is scanned is dropped as it goes
   * (kept in `parts` only when asked): a 250 MB FETCH never sits in memory.
   */
  private async readUntil(done: (line: string) => boolean, timeoutMs = 120_000, keep = false): Promise<{ line: string; text?: Buffer; bytes: number }> {
    let pos = 0; // start of the current line in this.buf
    let scan = 0; // where to look for the next LF
    let skip = 0; // literal bytes still to come before scanning resumes
    let consumed = 0;
    let continueAfterLiteral = false;
    const parts: Buffer[] = [];
    const deadline = Date.now() + (timeoutMs || 120_000);
    const drop = (n: number) => {
      if (keep) parts.push(this.buf.subarray(0, n));
      consumed += n;
      this.buf = this.buf.subarray(n);
    };
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, this.buf.length);
        drop(n);
        skip -= n;
        pos = scan = 0;
      }
      const nl = skip > 0 ? -1 : this.buf.indexOf(10, scan);
      if (nl < 0) {
        // Keep only the unfinished line (its start is needed for `done`).
        if (skip === 0) scan = this.buf.length;
        if (pos > 0) {
          drop(pos);
          scan -= pos;
          pos = 0;
        }
        if (this.err) throw this.err;
        if (Date.now() > deadline) throw new Error('IMAP reply timed out');
        await new Promise<void>((r) => {
          const t = setTimeout(r, 1000);
          this.waiter = () => {
            clearTimeout(t);
            this.waiter = undefined;
            r();
          };
        });
        continue;
      }
      // A line ending in {n} (or {n+}) is followed by an n-byte literal; the
      // response goes on after it on the same line.
      if (nl >= 2 && this.buf[nl - 2] === 0x7d /* } */) {
        const open = this.buf.lastIndexOf(0x7b /* { */, nl - 2);
        const n = open >= pos ? Number(this.buf.toString('latin1', open + 1, nl - 2).replace('+', '')) : NaN;
        if (Number.isFinite(n)) {
          drop(nl + 1);
          pos = scan = 0;
          skip = n;
          // The text after the literal continues the same response line: it
          // is not a line start, so `done` must not see it.
          continueAfterLiteral = true;
          continue;
        }
      }
      const end = nl + 1;
      if (!continueAfterLiteral && done(this.buf.toString('latin1', pos, Math.min(pos + 200, end)))) return this.finish(pos, end, parts, consumed, keep, drop);
      continueAfterLiteral = false;
      pos = end;
      scan = end;
    }
  }

  private finish(pos: number, end: number, parts: Buffer[], consumed: number, keep: boolean, drop: (n: number) => void): { line: string; text?: Buffer; bytes: number } {
    const line = this.buf.toString('latin1', pos, end).replace(/\r?\n$/, '');
    drop(end);
    return { line, text: keep ? Buffer.concat(parts) : undefined, bytes: consumed + end };
  }

  /** Sends a command (without tag and CRLF) and reads to its tagged completion. */
  async command(cmd: string, opts: { keep?: boolean; timeoutMs?: number } = {}): Promise<Reply> {
    const tag = `a${++this.seq}`;
    this.sock.write(`${tag} ${cmd}\r\n`);
    const r = await this.readUntil((l) => l.startsWith(`${tag} `), opts.timeoutMs, opts.keep);
    return { status: r.line.slice(tag.length + 1), text: r.text, bytes: r.bytes };
  }

  /** LOGIN with quoted strings; throws unless OK. */
  async login(user: string, password: string): Promise<void> {
    const r = await this.command(`LOGIN "${user}" "${password}"`);
    if (!r.status.startsWith('OK')) throw new Error(`LOGIN: ${r.status}`);
  }

  /** Sends IDLE and waits for the continuation. */
  async idle(): Promise<void> {
    const tag = `a${++this.seq}`;
    this.sock.write(`${tag} IDLE\r\n`);
    await this.readUntil((l) => l.startsWith('+'));
  }

  close(): void {
    this.sock.destroy();
  }
}

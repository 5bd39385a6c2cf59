// A byte-exact IMAP client for tests: sends raw lines (and literals), reads
// response lines, collects everything up to a tagged completion, and reports
// a closed socket.
import { connect, type Socket } from 'node:net';

export class RawImap {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiters.splice(0).forEach((w) => w());
    });
    sock.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
    sock.on('error', () => undefined);
  }

  static async open(port: number, localAddress?: string): Promise<{ client: RawImap; greeting: string }> {
    const sock = connect({ port, host: '127.0.0.1', localAddress });
    await new Promise<void>((res, rej) => {
      sock.once('connect', () => res());
      sock.once('error', rej);
    });
    const client = new RawImap(sock);
    return { client, greeting: await client.line() };
  }

  private async until(find: () => number): Promise<number> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const i = find();
      if (i >= 0) return i;
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error(`no response in 15s (have ${JSON.stringify(this.buf.toString('latin1').slice(0, 200))})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1000);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** One response line (without CRLF). */
  async line(): Promise<string> {
    const i = await this.until(() => this.buf.indexOf('\r\n'));
    const line = this.buf.subarray(0, i).toString('utf8');
    this.buf = this.buf.subarray(i + 2);
    return line;
  }

  write(data: string | Buffer): void {
    this.sock.write(data);
  }

  /** Sends `tag text` and returns every line up to and including the tagged one. */
  async cmd(tag: string, text: string): Promise<string[]> {
    this.write(`${tag} ${text}\r\n`);
    return this.collect(tag);
  }

  async collect(tag: string): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const l = await this.line();
      lines.push(l);
      if (l.startsWith(`${tag} `)) return lines;
    }
  }

  /** Resolves once the server has closed the connection (bounded). */
  async waitClosed(): Promise<void> {
    await this.until(() => (this.closed ? 0 : -1)).catch(() => undefined);
    if (!this.closed) throw new Error('connection still open');
  }

  close(): void {
    this.sock.destroy();
  }
}

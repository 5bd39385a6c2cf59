// A byte-exact POP3 client for tests: sends lines, reads single-line and
// multi-line responses (undoing dot-stuffing), and reports a closed socket.
import { connect, type Socket } from 'node:net';

export class RawPop3 {
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

  /** Connects to 127.0.0.1:port, optionally from another loopback source address. */
  static async open(port: number, localAddress?: string): Promise<{ client: RawPop3; greeting: string }> {
    const sock = connect({ port, host: '127.0.0.1', localAddress });
    await new Promise<void>((res, rej) => {
      sock.once('connect', () => res());
      sock.once('error', rej);
    });
    const client = new RawPop3(sock);
    return { client, greeting: await client.line() };
  }

  private async until(find: () => number): Promise<number> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const i = find();
      if (i >= 0) return i;
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error('no response in 15s');
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
    const line = this.buf.subarray(0, i).toString('latin1');
    this.buf = this.buf.subarray(i + 2);
    return line;
  }

  /** The body of a multi-line response, dot-stuffing undone, CRLFs kept. */
  async multi(): Promise<Buffer> {
    const end = await this.until(() => (this.buf.subarray(0, 3).toString() === '.\r\n' ? 0 : this.buf.indexOf('\r\n.\r\n')));
    const raw = end === 0 ? Buffer.alloc(0) : this.buf.subarray(0, end + 2);
    this.buf = this.buf.subarray(end === 0 ? 3 : end + 5);
    return Buffer.from(raw.toString('latin1').replace(/^\.\./gm, '.'), 'latin1');
  }

  send(line: string): void {
    this.sock.write(`${line}\r\n`);
  }

  async cmd(line: string): Promise<string> {
    this.send(line);
    return this.line();
  }

  /** Waits until the server closes the connection. */
  async waitClosed(ms = 5000): Promise<boolean> {
    const until = Date.now() + ms;
    while (!this.closed && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.sock.destroy();
  }
}

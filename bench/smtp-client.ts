// A lean SMTP client for the load test: one Unix-socket connection, replies
// parsed as they come, PIPELINING used the way RFC 2920 allows — the message
// content, its final ".", and the next MAIL/RCPT/DATA leave in one write, so a
// message costs one round trip. Every wait has a timeout.
import { connect, type Socket } from 'node:net';

export interface Reply {
  code: number;
  text: string;
}

export class SmtpClient {
  private buf = '';
  private lines: string[] = [];
  private ready: Reply[] = [];
  private waiters: { n: number; resolve: (r: Reply[]) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private failed: Error | undefined;

  private readonly onDataFn = (d: string) => this.onData(d);
  private readonly onErrorFn = (e: Error) => this.fail(e);
  private readonly onCloseFn = () => this.fail(new Error('connection closed'));

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('latin1');
    sock.on('data', this.onDataFn);
    sock.on('error', this.onErrorFn);
    sock.on('close', this.onCloseFn);
  }

  /** A client on a connected socket (TCP, or TLS after STARTTLS). */
  static over(sock: Socket): SmtpClient {
    return new SmtpClient(sock);
  }

  /** Gives the socket back (for STARTTLS): this client reads no more from it. */
  detach(): Socket {
    this.sock.off('data', this.onDataFn);
    this.sock.off('error', this.onErrorFn);
    this.sock.off('close', this.onCloseFn);
    return this.sock;
  }

  static open(path: string, timeoutMs = 10_000): Promise<SmtpClient> {
    return new Promise((resolve, reject) => {
      const sock = connect(path);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect ${path}: timeout`));
      }, timeoutMs);
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      sock.once('connect', () => {
        clearTimeout(timer);
        resolve(new SmtpClient(sock));
      });
    });
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\r\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 2);
      this.lines.push(line);
      if (line.length < 4 || line[3] === ' ') {
        this.ready.push({ code: Number(line.slice(0, 3)), text: this.lines.join('\n') });
        this.lines = [];
      }
    }
    this.flush();
  }

  private flush(): void {
    while (this.waiters.length && this.ready.length >= this.waiters[0]!.n) {
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      w.resolve(this.ready.splice(0, w.n));
    }
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(e);
    }
  }

  /** Resolves to the next n replies. */
  replies(n: number, timeoutMs = 30_000): Promise<Reply[]> {
    if (this.failed && this.ready.length < n) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no SMTP reply in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ n, resolve, reject, timer });
      this.flush();
    });
  }

  write(s: string | Buffer): void {
    this.sock.write(s);
  }

  close(): void {
    this.sock.destroy();
  }
}

export function expect(r: Reply, code: number, what: string): void {
  if (r.code !== code) throw new Error(`${what}: expected ${code}, got ${r.text}`);
}

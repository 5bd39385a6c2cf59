// A raw SMTP client over TCP for the listener tests: binds its local address
// (127.0.0.1 inside relayFrom, 127.0.0.2 outside), reads whole replies
// (multi-line joined by \n), and can switch to TLS after STARTTLS.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export class TcpSmtp {
  private buf = '';
  private waiting: (() => void) | undefined;
  private closed = false;
  private constructor(private sock: Socket) {
    this.attach(sock);
  }

  private attach(sock: Socket): void {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.waiting?.();
    });
    sock.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    sock.on('error', () => undefined);
  }

  static open(port: number, localAddress = '127.0.0.1', host = '127.0.0.1'): Promise<TcpSmtp> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host, localAddress }, () => resolve(new TcpSmtp(s)));
      s.once('error', reject);
    });
  }

  /** The next complete reply; '' when the server closed the connection first. Gives up after 20 s. */
  async reply(): Promise<string> {
    const until = Date.now() + 20_000;
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return m[0].replace(/\r/g, '').trimEnd();
      }
      if (this.closed || Date.now() > until) return '';
      await new Promise<void>((r) => {
        this.waiting = r;
        setTimeout(r, 1000);
      });
      this.waiting = undefined;
    }
  }

  async cmd(line: string): Promise<string> {
    this.sock.write(line + '\r\n');
    return this.reply();
  }

  /** Greeting and EHLO; returns the EHLO reply. */
  async hello(name = 'client.example'): Promise<string> {
    await this.reply();
    return this.cmd(`EHLO ${name}`);
  }

  /** STARTTLS, the handshake (trusting `ca`), and EHLO again; returns that EHLO reply. */
  async starttls(ca: Buffer): Promise<string> {
    const r = await this.cmd('STARTTLS');
    if (!r.startsWith('220')) throw new Error(`STARTTLS refused: ${r}`);
    const plain = this.sock;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = await new Promise<Socket>((resolve, reject) => {
      const t = tlsConnect({ socket: plain, ca, servername: 'localhost' }, () => resolve(t));
      t.once('error', reject);
    });
    this.sock = secure;
    this.attach(secure);
    return this.cmd('EHLO client.example');
  }

  async authPlain(user: string, password: string): Promise<string> {
    return this.cmd(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`);
  }

  /** DATA, the message and its "."; returns the final reply (the 354 must come first). */
  async data(message: string): Promise<string> {
    const r = await this.cmd('DATA');
    if (!r.startsWith('354')) return r;
    return this.cmd(message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..') + '\r\n.');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.sock.destroy();
  }
}

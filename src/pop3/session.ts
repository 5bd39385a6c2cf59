// One POP3 connection: a small state machine (RFC 1939 §3: AUTHORIZATION ->
// TRANSACTION -> UPDATE) that reads command lines and dispatches each to its
// file in commands/. Errors are caught here, answered with a generic -ERR and
// logged; the session never sees the spool, only the mailbox store.
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { MailboxStore, MessageEntry } from '../mailbox/store.js';
import type { Logger } from '../shared/log.js';
import type { LoginThrottle } from '../users/throttle.js';
import { isPlaintextAllowed } from './auth-rules.js';
import type { Pop3Command } from './command.js';
import { COMMANDS } from './registry.js';

export type Pop3State = 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE';

/** What every session of one server shares. */
export interface Pop3Context {
  usersFile: string;
  mailboxes: string;
  log: Logger;
  throttle: LoginThrottle;
  /** Mailboxes with a session in TRANSACTION state (POP3 access is exclusive). */
  locked: Set<string>;
  secureContext: SecureContext | undefined;
  /** STLS offered on plain connections. */
  starttls: boolean;
  loopbackIsSecure: boolean;
  idleTimeoutMs: number;
  hostname: string;
}

const MAX_LINE = 8192;
const MAX_BAD_COMMANDS = 10;
let nextSid = 0;

export class Pop3Session {
  state: Pop3State = 'AUTHORIZATION';
  readonly sid = `P${process.pid.toString(36)}${(nextSid++).toString(36)}`;
  sock: Socket;
  secure: boolean;
  /** The name given by USER, waiting for PASS. */
  pendingUser: string | undefined;
  user: string | undefined;
  store: MailboxStore | undefined;
  lockKey: string | undefined;
  /** The snapshot taken at login; numbers are index + 1. */
  messages: MessageEntry[] = [];
  deleted = new Set<number>();
  retrieved = new Set<number>();
  private input: Buffer = Buffer.alloc(0);
  private lines: string[] = [];
  private waiter: ((line: string | undefined) => void) | undefined;
  private closed = false;
  private badCommands = 0;

  constructor(
    sock: Socket,
    readonly ctx: Pop3Context,
    readonly remoteAddress: string | undefined,
  ) {
    this.sock = sock;
    this.secure = sock instanceof TLSSocket;
    this.attach(sock);
  }

  get log(): Logger {
    return this.ctx.log;
  }

  private attach(sock: Socket): void {
    sock.setNoDelay(true);
    sock.setTimeout(this.ctx.idleTimeoutMs);
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('timeout', () => {
      // RFC 1939 §3: an inactivity autologout timer of at least 10 minutes.
      this.send('-ERR Disconnected for inactivity.');
      this.close();
    });
    sock.on('close', () => this.close());
    sock.on('error', (err) => this.log.debug('pop3 socket error', { sid: this.sid, error: err.message }));
  }

  private onData(d: Buffer): void {
    if (this.closed) return;
    this.input = this.input.length ? Buffer.concat([this.input, d]) : d;
    let nl: number;
    while ((nl = this.input.indexOf(10)) >= 0) {
      const line = this.input.subarray(0, nl).toString('utf8').replace(/\r$/, '');
      this.input = this.input.subarray(nl + 1);
      this.lines.push(line);
    }
    if (this.input.length > MAX_LINE) {
      this.send('-ERR Line too long.');
      this.close();
      return;
    }
    // Pipelined input is buffered; stop reading when the client runs far ahead.
    if (this.lines.length > 1000) this.sock.pause();
    this.wake();
  }

  private wake(): void {
    if (!this.waiter) return;
    if (this.lines.length) {
      const w = this.waiter;
      this.waiter = undefined;
      w(this.lines.shift());
    } else if (this.closed) {
      const w = this.waiter;
      this.waiter = undefined;
      w(undefined);
    }
  }

  /** The next line from the client (undefined once the connection is gone). */
  readLine(): Promise<string | undefined> {
    if (this.lines.length) {
      const line = this.lines.shift()!;
      if (this.lines.length < 100 && this.sock.isPaused()) this.sock.resume();
      return Promise.resolve(line);
    }
    if (this.closed) return Promise.resolve(undefined);
    if (this.sock.isPaused()) this.sock.resume();
    return new Promise((r) => (this.waiter = r));
  }

  /** Writes one response line (CRLF added). */
  send(line: string): boolean {
    if (this.closed || this.sock.destroyed) return false;
    return this.sock.write(`${line}\r\n`, 'latin1');
  }

  /** Resolves when the socket can take more data. */
  drained(): Promise<void> {
    if (!this.sock.writableNeedDrain || this.closed) return Promise.resolve();
    return new Promise((r) => {
      const done = () => {
        this.sock.off('drain', done);
        this.sock.off('close', done);
        r();
      };
      this.sock.on('drain', done);
      this.sock.on('close', done);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get plaintextAllowed(): boolean {
    return isPlaintextAllowed({ secure: this.secure, remoteAddress: this.remoteAddress, loopbackIsSecure: this.ctx.loopbackIsSecure });
  }

  /** Ends the session without an UPDATE state: marked deletions are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.releaseLock();
    if (!this.sock.destroyed) this.sock.end();
    setTimeout(() => this.sock.destroy(), 2000).unref();
    this.wake();
  }

  releaseLock(): void {
    if (this.lockKey) this.ctx.locked.delete(this.lockKey);
    this.lockKey = undefined;
  }

  /** STLS (RFC 2595 §4): lines the client sent before the handshake are discarded. */
  startTls(): void {
    const raw = this.sock;
    raw.removeAllListeners('data');
    raw.removeAllListeners('timeout');
    raw.removeAllListeners('close');
    raw.setTimeout(0);
    this.input = Buffer.alloc(0);
    this.lines = [];
    this.pendingUser = undefined;
    const tls = new TLSSocket(raw, { isServer: true, secureContext: this.ctx.secureContext });
    this.sock = tls;
    this.secure = true;
    this.attach(tls);
  }

  /** The entry for a message number that exists in the snapshot and is not deleted. */
  message(n: number | undefined): MessageEntry | undefined {
    if (n === undefined || n > this.messages.length || this.deleted.has(n)) return undefined;
    return this.messages[n - 1];
  }

  async run(): Promise<void> {
    this.send(`+OK ${this.ctx.hostname} mailroom POP3 ready.`);
    for (;;) {
      const line = await this.readLine();
      if (line === undefined || this.closed) break;
      await this.dispatch(line);
      if (this.closed) break;
    }
    this.close();
  }

  private async dispatch(line: string): Promise<void> {
    const sp = line.indexOf(' ');
    const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    const cmd: Pop3Command | undefined = COMMANDS.get(verb);
    if (!cmd || !cmd.states.includes(this.state)) {
      this.badCommands++;
      this.send(cmd ? `-ERR ${verb} is not valid in this state.` : '-ERR Unknown command.');
      if (this.badCommands >= MAX_BAD_COMMANDS) {
        this.send('-ERR Too many bad commands.');
        this.close();
      }
      return;
    }
    try {
      await cmd.run(this, rest.split(' ').filter((p) => p !== ''), rest);
    } catch (err) {
      this.log.error('pop3 command failed', { sid: this.sid, user: this.user, command: verb, error: (err as Error).message });
      this.send('-ERR [SYS/TEMP] Internal error, try again later.');
    }
  }
}

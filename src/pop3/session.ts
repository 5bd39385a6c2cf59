// One POP3 connection: a small state machine (RFC 1939 §3: AUTHORIZATION ->
// TRANSACTION -> UPDATE) that reads bounded command lines and dispatches each
// to its file in commands/. Errors are caught here, answered with a generic
// -ERR and logged; the session never sees the spool, only the mailbox store.
// A connection that ends without QUIT frees its mailbox at once, unapplied.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { MailboxStore, MessageEntry } from '../mailbox/store.js';
import type { Logger } from '../shared/log.js';
import { pop3ReplyFor } from '../shared/replies.js';
import { isPlaintextAllowed } from './auth-rules.js';
import type { CommandSession, Pop3Command, Pop3Context, Pop3State } from './command.js';
import { commandLineProblem, LineReader, type InputLine } from './line-reader.js';
import { COMMANDS } from './registry.js';

/** Bad commands (unknown, wrong state, malformed, too long, binary) before the session is dropped. */
export const MAX_BAD_COMMANDS = 10;
let nextSid = 0;

export type { Pop3Context, Pop3State };

export class Pop3Session implements CommandSession {
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
  private reader = new LineReader();
  private waiter: ((line: InputLine | undefined) => void) | undefined;
  private closed = false;
  private badCommands = 0;
  private detach: () => void = () => undefined;

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
    const onData = (d: Buffer) => this.onData(d);
    const onTimeout = () => {
      // RFC 1939 §3: an inactivity autologout timer of at least 10 minutes.
      this.send('-ERR Disconnected for inactivity.');
      this.close();
    };
    // The peer is gone (FIN, reset or close): the mailbox is freed now, not
    // when the socket is finally torn down, so an immediate new login finds it free.
    const onGone = () => this.close();
    const onError = (err: Error) => {
      this.log.debug('pop3 socket error', { sid: this.sid, error: err.message });
      this.close();
    };
    sock.on('data', onData);
    sock.on('timeout', onTimeout);
    sock.on('end', onGone);
    sock.on('close', onGone);
    sock.on('error', onError);
    this.detach = () => {
      sock.off('data', onData);
      sock.off('timeout', onTimeout);
      sock.off('end', onGone);
      sock.off('close', onGone);
      sock.off('error', onError);
      sock.on('error', () => undefined);
    };
  }

  private onData(d: Buffer): void {
    if (this.closed) return;
    this.reader.push(d);
    // Pipelined input is queued; stop reading when the client runs far ahead.
    if (this.reader.full) this.sock.pause();
    this.wake();
  }

  private wake(): void {
    if (!this.waiter) return;
    const line = this.closed ? undefined : this.reader.shift();
    if (!line && !this.closed) return;
    const w = this.waiter;
    this.waiter = undefined;
    w(line);
  }

  /** The next line from the client (undefined once the connection is gone). */
  readLine(): Promise<InputLine | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const line = this.reader.shift();
    if (!this.reader.full && this.sock.isPaused()) this.sock.resume();
    if (line) return Promise.resolve(line);
    return new Promise((r) => (this.waiter = r));
  }

  /** Writes one response line (CRLF added). */
  send(line: string): boolean {
    if (this.closed || this.sock.destroyed || this.sock.writableEnded) return false;
    return this.sock.write(`${line}\r\n`, 'latin1');
  }

  /** Answers a bad command with `reply` and ends the session after too many (as Dovecot and Postfix do). */
  badCommand(reply: string): void {
    this.send(reply);
    if (++this.badCommands >= MAX_BAD_COMMANDS) {
      this.send('-ERR Too many bad commands.');
      this.close();
    }
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

  /**
   * Ends the session without an UPDATE state: marked deletions are dropped.
   * During UPDATE (QUIT already running) the lock stays until QUIT has finished.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.state !== 'UPDATE') this.releaseLock();
    if (!this.sock.destroyed) this.sock.end();
    setTimeout(() => this.sock.destroy(), 2000).unref();
    this.wake();
  }

  releaseLock(): void {
    if (this.lockKey) this.ctx.locks.release(this.lockKey);
    this.lockKey = undefined;
  }

  /** STLS (RFC 2595 §4): lines the client sent before the handshake are discarded. */
  startTls(): void {
    const raw = this.sock;
    this.detach();
    raw.setTimeout(0);
    this.reader.reset();
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

  private async dispatch(line: InputLine): Promise<void> {
    if (line.overflow) {
      // The client kept sending past the hard cap: nothing it sends can be trusted to be in step.
      this.send('-ERR Line too long.');
      return this.close();
    }
    const problem = commandLineProblem(line.bytes);
    if (problem) return this.badCommand(`-ERR ${problem}`);
    const text = line.bytes.toString('utf8');
    const sp = text.indexOf(' ');
    const verb = (sp < 0 ? text : text.slice(0, sp)).toUpperCase();
    const rest = sp < 0 ? '' : text.slice(sp + 1);
    const cmd: Pop3Command | undefined = COMMANDS.get(verb);
    if (!cmd) return this.badCommand('-ERR Unknown command.');
    if (!cmd.states.includes(this.state)) return this.badCommand(`-ERR ${verb} is not valid in this state.`);
    const args = rest.split(' ').filter((p) => p !== '');
    if (cmd.args && (args.length < cmd.args[0] || args.length > cmd.args[1])) {
      return this.badCommand(cmd.args[1] === 0 ? `-ERR ${verb} takes no arguments.` : `-ERR Wrong number of arguments for ${verb}.`);
    }
    try {
      await cmd.run(this, args, rest);
    } catch (err) {
      this.log.error('pop3 command failed', { sid: this.sid, user: this.user, command: verb, error: (err as Error).message });
      this.send(pop3ReplyFor(err));
    }
  }
}

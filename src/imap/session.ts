// One IMAP connection: the state machine of RFC 3501 §3 (NOT AUTHENTICATED,
// AUTHENTICATED, SELECTED, LOGOUT) reading whole commands (protocol/) and
// dispatching each to its file in commands/. Parse errors are tagged BAD and
// the session goes on, up to a number in a row; unexpected errors are logged
// and answered NO [SERVERBUG]. The session is also the executors' context.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { UserStore } from '../mailbox/folders.js';
import type { Logger } from '../shared/log.js';
import { isPlaintextAllowed } from '../users/plaintext.js';
import { HANDLERS } from './commands/index.js';
import type { ImapContext } from './context.js';
import { readCommand } from './protocol/assemble.js';
import { parseCommand } from './protocol/parser.js';
import { CommandReader, type LineRead } from './protocol/reader.js';
import type { Selected } from './selected.js';
import type { ImapSession as SessionApi, ImapState } from './session-api.js';
import type { Command, Completion } from './types.js';

export type { ImapState } from './session-api.js';

/** Commands that must not see an EXPUNGE response unless in their UID form (RFC 3501 §7.4.1). */
const NO_EXPUNGE = new Set(['FETCH', 'STORE', 'SEARCH']);
let nextSid = 0;

export class ImapSession implements SessionApi {
  state: ImapState = 'NOT AUTHENTICATED';
  readonly sid = `I${process.pid.toString(36)}${(nextSid++).toString(36)}`;
  sock: Socket;
  secure: boolean;
  user = '';
  private userStore: UserStore | undefined;
  /** Set while a user slot is held (released when the session ends). */
  userSlot: string | undefined;
  readonly enabled = new Set<string>();
  selected: Selected | undefined;
  private reader: CommandReader;
  private closed = false;
  private badInARow = 0;
  /** Output collected since holdOutput(), written after the tagged reply. */
  private held: string | undefined;
  private idleTimer: NodeJS.Timeout;
  private detach: () => void = () => undefined;

  constructor(
    sock: Socket,
    readonly ctx: ImapContext,
    readonly remoteAddress: string | undefined,
  ) {
    this.sock = sock;
    this.secure = sock instanceof TLSSocket;
    this.reader = new CommandReader((on) => (on ? this.sock.resume() : this.sock.pause()));
    // RFC 3501 §5.4: the autologout timer counts the client's silence only (also during IDLE).
    this.idleTimer = setTimeout(() => this.autologout(), ctx.idleTimeoutMs);
    this.idleTimer.unref();
    this.attach(sock);
  }

  get log(): Logger {
    return this.ctx.log;
  }

  get store(): UserStore {
    if (!this.userStore) throw new Error('no user store before login');
    return this.userStore;
  }

  set store(s: UserStore) {
    this.userStore = s;
  }

  private attach(sock: Socket): void {
    sock.setNoDelay(true);
    const onData = (d: Buffer) => {
      this.idleTimer.refresh();
      this.reader.push(d);
    };
    const onGone = () => this.close();
    const onError = (err: Error) => {
      this.log.debug('imap socket error', { sid: this.sid, error: err.message });
      this.close();
    };
    sock.on('data', onData);
    sock.on('end', onGone);
    sock.on('close', onGone);
    sock.on('error', onError);
    this.detach = () => {
      sock.off('data', onData);
      sock.off('end', onGone);
      sock.off('close', onGone);
      sock.off('error', onError);
      sock.on('error', () => undefined);
    };
  }

  private autologout(): void {
    this.send('* BYE Autologout; idle for too long');
    this.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get plaintextAllowed(): boolean {
    return isPlaintextAllowed({ secure: this.secure, remoteAddress: this.remoteAddress, loopbackIsSecure: this.ctx.loopbackIsSecure });
  }

  send(line: string): void {
    if (this.held !== undefined) {
      this.held += `${line}\r\n`;
      return;
    }
    if (this.closed || this.sock.destroyed || this.sock.writableEnded) return;
    this.sock.write(`${line}\r\n`, 'utf8');
  }

  holdOutput(): void {
    this.held ??= '';
  }

  /** Writes what holdOutput() collected, as one write. */
  private releaseOutput(): void {
    const text = this.held;
    this.held = undefined;
    if (text && !this.closed && !this.sock.destroyed && !this.sock.writableEnded) this.sock.write(text, 'utf8');
  }

  sendBytes(data: Buffer): void {
    if (this.closed || this.sock.destroyed || this.sock.writableEnded) return;
    this.sock.write(data);
  }

  /** Resolves when the socket has written out what it buffered (or is gone). */
  drain(): Promise<void> {
    const sock = this.sock;
    if (this.closed || sock.destroyed || !sock.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        sock.off('drain', done);
        sock.off('close', done);
        resolve();
      };
      sock.on('drain', done);
      sock.on('close', done);
    });
  }

  /** A line that is not a command (AUTHENTICATE response, IDLE's DONE). */
  readLine(): Promise<LineRead | undefined> {
    return this.reader.nextLine();
  }

  announce(allowExpunge: boolean): Promise<void> {
    return this.selected ? this.selected.announce(allowExpunge, this) : Promise.resolve();
  }

  /** Leaves the selected mailbox (its folder reference is given back, unless the caller keeps it). */
  deselect(keepFolder = false): void {
    if (!keepFolder) this.selected?.folder.release();
    this.selected = undefined;
    if (this.state === 'SELECTED') this.state = 'AUTHENTICATED';
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.deselect();
    this.state = 'LOGOUT';
    if (this.userSlot) this.ctx.userLimits.release(this.userSlot);
    this.userSlot = undefined;
    this.reader.end();
    if (!this.sock.destroyed) this.sock.end();
    setTimeout(() => this.sock.destroy(), 2000).unref();
  }

  /** STARTTLS (RFC 3501 §6.2.1): input sent before the handshake is discarded. */
  startTls(): void {
    const raw = this.sock;
    this.detach();
    this.reader.reset();
    const tls = new TLSSocket(raw, { isServer: true, secureContext: this.ctx.secureContext });
    this.sock = tls;
    this.secure = true;
    this.attach(tls);
  }

  /** Answers a bad command; too many in a row end the session (as Dovecot does). */
  private bad(tag: string, text: string, status: 'BAD' | 'NO' = 'BAD', code?: string): void {
    this.send(`${tag} ${status} ${code ? `[${code}] ` : ''}${text}`);
    if (++this.badInARow >= this.ctx.maxBadCommands) {
      this.send('* BYE Too many invalid commands');
      this.close();
    }
  }

  async run(greeting: string): Promise<void> {
    this.send(greeting);
    while (!this.closed) {
      const got = await readCommand(this.reader, { appendMax: this.ctx.maxMessageSize, continueLiteral: () => this.send('+ Ready for literal data') });
      if (!got || this.closed) break;
      if (got.kind === 'fatal') {
        if (got.tag !== '*') this.send(`${got.tag} BAD ${got.text}`);
        this.send(`* BYE ${got.text}`);
        break;
      }
      if (got.kind === 'refused') {
        this.bad(got.tag, got.text, got.status);
        continue;
      }
      const parsed = parseCommand(got.raw);
      if (!parsed.ok) {
        this.bad(parsed.tag, parsed.error.message, parsed.error.status, parsed.error.code);
        continue;
      }
      await this.dispatch(parsed.command);
    }
    this.close();
  }

  /** UIDs whose new flags the command answers itself: STORE, and FETCH of a body without PEEK (it sets \Seen). */
  private reportedBy(cmd: Command): Set<number> | undefined {
    const sel = this.selected;
    if (!sel) return undefined;
    const setsSeen = cmd.name === 'FETCH' && cmd.atts.some((a) => (a.kind === 'BODY[]' && !a.peek) || a.kind === 'RFC822' || a.kind === 'RFC822.TEXT');
    if (cmd.name !== 'STORE' && !setsSeen) return undefined;
    const msgs = sel.snapshot.messages;
    return new Set(sel.resolve(cmd.set, cmd.uid).map((i) => msgs[i]!.uid));
  }

  private async dispatch(cmd: Command): Promise<void> {
    const handler = HANDLERS.get(cmd.name);
    if (!handler) return this.bad(cmd.tag, 'Unknown command');
    if (!handler.states.includes(this.state)) {
      return this.bad(cmd.tag, this.state === 'NOT AUTHENTICATED' ? 'Log in first' : this.state === 'AUTHENTICATED' && handler.states.includes('SELECTED') ? 'No mailbox selected' : 'Command not valid in this state');
    }
    let done: Completion | void;
    try {
      const reported = this.reportedBy(cmd);
      done = await handler.run(this, cmd as never);
      if (this.state === 'SELECTED' && this.selected && handler.announce !== false && !this.closed) {
        await this.selected.announce(!(NO_EXPUNGE.has(cmd.name) && !('uid' in cmd && cmd.uid)), this, reported);
      }
    } catch (err) {
      this.log.error('imap command failed', { sid: this.sid, user: this.user || undefined, command: cmd.name, error: (err as Error).message });
      done = { status: 'NO', code: 'SERVERBUG', text: 'Internal error, try again later' };
    }
    if (done) {
      if (done.status === 'BAD') this.bad(cmd.tag, done.text, 'BAD', done.code);
      else {
        this.badInARow = 0;
        this.send(`${cmd.tag} ${done.status} ${done.code ? `[${done.code}] ` : ''}${done.text}`);
      }
    }
    // A handler that held its output (SELECT) has its lines and the tagged one leave in one write.
    this.releaseOutput();
  }
}

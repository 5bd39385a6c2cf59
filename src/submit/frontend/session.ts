// One sendmail front-end connection: the arguments, the message, then the
// commit, with the Node implementation's own functions (flags.ts, main.ts's
// checkArguments and composeFromOptions, sanitize, the router's unknown-user
// check inside compose) so both paths refuse and fix up alike, and the daemon's
// publisher (the commit journal). Nothing is stored before the client's 'C':
// until then the client may still fall back to maildrop/ without a duplicate.
import type { Socket } from 'node:net';
import type { SubmitView } from '../../config/submit-view.js';
import { exitCodeFor } from '../../shared/exit-codes.js';
import type { Logger } from '../../shared/log.js';
import { newEnvelope } from '../../spool/envelope.js';
import type { Publisher } from '../../spool/publish.js';
import { newQueueId, type QueueId } from '../../spool/queue-id.js';
import type { Composed } from '../compose.js';
import { parseFlags, type SendmailOptions } from '../sendmail/flags.js';
import type { Identity } from '../sendmail/identity.js';
import { checkArguments, composeFromOptions, failureLine } from '../sendmail/main.js';
import { inputCap, tooBig } from '../sendmail/read-input.js';
import { frame, FrameReader, PROTOCOL_VERSION, ProtocolError } from './protocol.js';

/** Arguments beyond these bounds go to the Node implementation (which takes any argv). */
export const MAX_ARGS = 4096;
export const MAX_ARG_BYTES = 256 * 1024;

export interface SessionContext {
  view: SubmitView;
  publisher: Publisher;
  log: Logger;
  /** Whether the client's MAILROOM_CONFIG (undefined: not set) names this daemon's configuration. */
  sameConfig(clientConfig: string | undefined): boolean;
}

type State = 'args' | 'data' | 'ready' | 'committing' | 'done';

export class FrontendSession {
  private state: State = 'args';
  private readonly reader = new FrameReader();
  private hello = false;
  private args: string[] = [];
  private argBytes = 0;
  private clientConfig: string | undefined;
  private o: SendmailOptions | undefined;
  private cap = 0;
  private parts: Buffer[] = [];
  private total = 0;
  private id: QueueId | undefined;
  private composed: Composed | undefined;
  /** Settles when a commit that was started is over (the daemon's stop waits for it). */
  commit: Promise<void> | undefined;

  constructor(
    private readonly sock: Socket,
    private readonly identity: Identity,
    private readonly ctx: SessionContext,
  ) {}

  /** Whether the message is being (or was) stored: the client no longer falls back. */
  get committed(): boolean {
    return this.state === 'committing' || (this.state === 'done' && this.commit !== undefined);
  }

  onData(chunk: Buffer): void {
    if (this.over()) return; // after 'C' or a verdict: nothing more is read
    try {
      for (const f of this.reader.push(chunk)) {
        this.handle(f.type, f.payload);
        if (this.over()) return;
      }
    } catch (err) {
      // A protocol error, or a bug: this connection ends (the client falls
      // back unless it sent 'C'), the daemon goes on.
      if (err instanceof ProtocolError) this.ctx.log.warn('sendmail front end: protocol error', { uid: this.identity.uid, reason: err.message });
      else this.ctx.log.error('sendmail front end: session failed', { uid: this.identity.uid, error: (err as Error)?.message ?? String(err) });
      this.state = 'done';
      this.sock.destroy();
    }
  }

  private over(): boolean {
    return this.state === 'done' || this.state === 'committing';
  }

  /** Nothing stored yet: tell the client to use the Node path (the daemon is stopping, or the bounds). */
  fallBack(reason: string): void {
    if (this.state === 'committing' || this.state === 'done') return;
    this.state = 'done';
    this.sock.end(frame('F', reason));
  }

  /** Closes the connection (the daemon's stop, once commits are over). */
  destroy(): void {
    this.sock.destroy();
  }

  private verdict(code: number, text: string): void {
    this.state = 'done';
    this.sock.end(frame('V', `${code} ${text}`));
  }

  private refuse(err: unknown): void {
    this.verdict(exitCodeFor(err), failureLine('sendmail', err));
  }

  private handle(type: string, payload: Buffer): void {
    if (!this.hello && type !== 'H') throw new ProtocolError('the first frame must be H');
    switch (`${this.state}:${type}`) {
      case 'args:H':
        if (this.hello) throw new ProtocolError('a second H');
        this.hello = true;
        if (payload.toString('latin1') !== PROTOCOL_VERSION) return this.fallBack(`protocol version ${PROTOCOL_VERSION} only`);
        return;
      case 'args:A':
        this.argBytes += payload.length;
        if (this.args.length >= MAX_ARGS || this.argBytes > MAX_ARG_BYTES) return this.fallBack('too many or too long arguments');
        this.args.push(payload.toString('utf8'));
        return;
      case 'args:E': {
        this.argBytes += payload.length;
        if (this.argBytes > MAX_ARG_BYTES) return this.fallBack('too many or too long arguments');
        const kv = payload.toString('utf8');
        if (kv.startsWith('MAILROOM_CONFIG=')) this.clientConfig = kv.slice('MAILROOM_CONFIG='.length);
        return;
      }
      case 'args:S':
        return this.start();
      case 'data:D':
        this.total += payload.length;
        if (this.total > this.cap) return this.refuse(tooBig(this.ctx.view.maxMessageSize));
        this.parts.push(Buffer.from(payload));
        return;
      case 'data:.':
        return this.check();
      case 'ready:C':
        return this.store();
      default:
        throw new ProtocolError(`frame ${JSON.stringify(type)} in state ${this.state}`);
    }
  }

  private start(): void {
    if (!this.ctx.sameConfig(this.clientConfig)) return this.fallBack('another configuration');
    try {
      this.o = parseFlags(this.args, 'sendmail');
    } catch (err) {
      return this.refuse(err);
    }
    // Only plain submission here; -v prints what only the Node path knows to print.
    if (this.o.mode !== 'deliver' || this.o.verbose || this.o.config !== undefined) return this.fallBack('not a plain submission');
    try {
      checkArguments(this.o, this.ctx.view);
    } catch (err) {
      return this.refuse(err);
    }
    this.cap = inputCap(this.ctx.view.maxMessageSize);
    this.state = 'data';
    this.sock.write(frame('G', String(this.cap)));
  }

  private check(): void {
    const raw = Buffer.concat(this.parts, this.total);
    this.parts = [];
    try {
      this.id = newQueueId();
      this.composed = composeFromOptions(this.o!, this.ctx.view, this.identity, raw, this.id);
    } catch (err) {
      return this.refuse(err);
    }
    this.state = 'ready';
    this.sock.write(frame('R', this.id));
  }

  private store(): void {
    this.state = 'committing';
    const id = this.id!;
    const c = this.composed!;
    this.composed = undefined;
    const { uid, user } = this.identity;
    const env = newEnvelope(id, c.drop, { uid, user, source: 'sendmail', size: c.content.length });
    this.commit = this.ctx.publisher.publish(env, c.content).then(
      () => {
        this.ctx.log.event(id, 'queued', { from: `<${env.sender}>`, size: env.size, nrcpt: env.recipients.length, via: 'sendmail', uid, user, frontend: true });
        this.verdict(0, '');
      },
      (err) => {
        this.ctx.log.warn('sendmail front end: not stored', { uid, reason: (err as Error).message });
        this.refuse(err);
      },
    );
  }
}

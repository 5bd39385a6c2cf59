// The one place that reaches into smtp-server's private connection methods:
// smtp-server has no option for the greeting delay, for the reply to an
// over-long command line or to an unparsable RCPT path, nor for how replies
// are written. Each hook wraps a prototype method once per process; the
// callers decide, per server, whether it acts. test/socket/smtp-server-canary.test.ts
// fails, naming the member, when an smtp-server update changes one of them.
import type { Socket } from 'node:net';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** Methods of smtp-server's SMTPConnection prototype used here. */
export const SMTP_SERVER_PRIVATE_METHODS = ['init', '_setListeners', 'connectionReady', '_createParser', 'handler_RCPT', 'send', 'close'] as const;
/** Fields of a live SMTPConnection used here, and their types. */
export const SMTP_SERVER_PRIVATE_FIELDS = { _server: 'object', _socket: 'object', session: 'object' } as const;

interface Parser {
  on(event: 'error', listener: (err: Error) => void): void;
  removeAllListeners(event: 'error'): void;
}

interface Internals {
  init(): void;
  _setListeners(cb: () => void): void;
  connectionReady(): void;
  _createParser(): Parser;
  handler_RCPT(command: Buffer | string, callback: () => void): void;
  send(code: number, text: string, context?: string | false): void;
  close(): void;
  _server: { options: Record<string, unknown> };
  session: { envelope?: { mailFrom?: unknown } };
}

/** What a hook sees of one connection. */
export interface ConnectionView {
  /** The options the SMTPServer was created with, ours included. */
  readonly serverOptions: Readonly<Record<string, unknown>>;
  /** MAIL FROM was accepted in the current transaction. */
  readonly hasSender: boolean;
  send(code: number, text: string, context?: string | false): void;
  close(): void;
}

function viewOf(c: Internals): ConnectionView {
  return {
    serverOptions: c._server.options,
    get hasSender() {
      return Boolean(c.session.envelope?.mailFrom);
    },
    send: (code, text, context) => (context === undefined ? c.send(code, text) : c.send(code, text, context)),
    close: () => c.close(),
  };
}

const proto = (SMTPConnection as unknown as { prototype: Partial<Internals> }).prototype;
const installed = new Set<string>();

/** Greets at once, without the 100 ms wait for early talkers, on connections where `when` holds. */
export function greetAtOnce(when: (c: ConnectionView) => boolean): void {
  if (installed.has('init')) return;
  installed.add('init');
  const original = proto.init!;
  proto.init = function (this: Internals) {
    if (!when(viewOf(this))) return original.call(this);
    this._setListeners(() => this.connectionReady());
  };
}

/**
 * Replaces smtp-server's answer to a command-line parser error (421) by
 * `handle`, on connections where `when` holds. Returns false, leaving
 * smtp-server's answer, when this smtp-server has no such hook.
 */
export function answerParserErrors(when: (c: ConnectionView) => boolean, handle: (c: ConnectionView, err: Error) => void): boolean {
  if (typeof proto._createParser !== 'function') return false;
  if (installed.has('_createParser')) return true;
  installed.add('_createParser');
  const original = proto._createParser;
  proto._createParser = function (this: Internals) {
    const parser = original.call(this);
    const view = viewOf(this);
    if (!when(view)) return parser;
    parser.removeAllListeners('error');
    parser.on('error', (err) => handle(view, err));
    return parser;
  };
  return true;
}

type RcptAnswer = (c: ConnectionView, command: string) => boolean;
const rcptAnswers = new Map<string, RcptAnswer>();

/**
 * Lets `answer` reply to a RCPT command before smtp-server parses it; it
 * returns true when it did. Answers run in the order registered, one per `name`.
 */
export function beforeRcpt(answer: RcptAnswer, name = 'default'): void {
  if (!rcptAnswers.has(name)) rcptAnswers.set(name, answer);
  if (installed.has('handler_RCPT')) return;
  installed.add('handler_RCPT');
  const original = proto.handler_RCPT!;
  proto.handler_RCPT = function (this: Internals, command, callback) {
    const view = viewOf(this);
    const text = command.toString();
    for (const a of rcptAnswers.values()) if (a(view, text)) return callback();
    return original.call(this, command, callback);
  };
}

/**
 * smtp-server writes each reply with its own write(2) on the accepted socket.
 * A pipelining client gets several at once (the 250 for its message, then
 * those for the MAIL, RCPT and DATA it sent behind it, all answered in one
 * synchronous run): corked until the end of the tick they leave in one write,
 * and wake the client once. For the server's 'connection' event.
 */
export function coalesceReplies(socket: Socket): void {
  const write = socket.write;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Socket, ...args: unknown[]) {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Socket['write'];
}

// The shape of one POP3 command (one file per verb in commands/), the session
// as a command sees it (session.ts implements it; the commands never import
// the session, which dispatches to them), and the argument helpers they share.
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { MailboxStore, MessageEntry } from '../mailbox/store.js';
import type { Logger } from '../shared/log.js';
import type { LoginThrottle } from '../users/throttle.js';
import type { InputLine } from './line-reader.js';
import type { MailboxLocks } from './mailbox-locks.js';

export type Pop3State = 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE';

/** What every session of one server shares. */
export interface Pop3Context {
  usersFile: string;
  mailboxes: string;
  log: Logger;
  throttle: LoginThrottle;
  /** Mailboxes with a session in TRANSACTION or UPDATE state (POP3 access is exclusive). */
  locks: MailboxLocks;
  /** How long a login waits for another session of the same mailbox to end before [IN-USE]. */
  lockWaitMs: number;
  secureContext: SecureContext | undefined;
  /** STLS offered on plain connections. */
  starttls: boolean;
  loopbackIsSecure: boolean;
  idleTimeoutMs: number;
  hostname: string;
}

/** One POP3 session as its commands see it (session.ts). */
export interface CommandSession {
  state: Pop3State;
  readonly sid: string;
  readonly ctx: Pop3Context;
  readonly log: Logger;
  readonly remoteAddress: string | undefined;
  sock: Socket;
  secure: boolean;
  /** The name given by USER, waiting for PASS. */
  pendingUser: string | undefined;
  user: string | undefined;
  store: MailboxStore | undefined;
  lockKey: string | undefined;
  /** The snapshot taken at login; numbers are index + 1. */
  messages: MessageEntry[];
  deleted: Set<number>;
  retrieved: Set<number>;
  readonly isClosed: boolean;
  readonly plaintextAllowed: boolean;
  /** The next line from the client (AUTH's continuation), or undefined once the connection is gone. */
  readLine(): Promise<InputLine | undefined>;
  /** Sends one reply line; false when the socket's buffer is full (wait for drained()). */
  send(line: string): boolean;
  /** An -ERR that counts toward the bad-command limit. */
  badCommand(reply: string): void;
  drained(): Promise<void>;
  close(): void;
  releaseLock(): void;
  startTls(): void;
  /** The listed, not deleted message numbered `n`. */
  message(n: number | undefined): MessageEntry | undefined;
}

export interface Pop3Command {
  /** Upper-case verb as sent by the client. */
  readonly verb: string;
  /** States in which the command is valid (RFC 1939 §3). */
  readonly states: readonly Pop3State[];
  /**
   * How many space-separated arguments RFC 1939 allows, [min, max]; other
   * counts are refused before `run`. Absent: the command reads `rest` itself (PASS).
   */
  readonly args?: readonly [number, number];
  /** `args` are the space-separated arguments; `rest` is the raw text after the verb (PASS). */
  run(session: CommandSession, args: string[], rest: string): Promise<void> | void;
}

/** A message number argument: a positive decimal integer, or undefined. */
export function parseNumber(arg: string | undefined): number | undefined {
  if (arg === undefined || !/^\d{1,9}$/.test(arg)) return undefined;
  const n = Number(arg);
  return n >= 1 ? n : undefined;
}

/**
 * The message a number argument names, or undefined after answering -ERR:
 * a malformed number (not 1..999999999) counts as a bad command; a well-formed
 * one that is not in the listing, or marked deleted, is only "no such message".
 */
export function messageArg(s: CommandSession, arg: string | undefined): { n: number; entry: MessageEntry } | undefined {
  const n = parseNumber(arg);
  if (n === undefined) return void s.badCommand('-ERR Invalid message number.');
  const entry = s.message(n);
  if (!entry) return void s.send('-ERR No such message.');
  return { n, entry };
}

// The shape of one POP3 command (one file per verb in commands/) and the
// argument helpers they share.
import type { MessageEntry } from '../mailbox/store.js';
import type { Pop3Session, Pop3State } from './session.js';

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
  run(session: Pop3Session, args: string[], rest: string): Promise<void> | void;
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
export function messageArg(s: Pop3Session, arg: string | undefined): { n: number; entry: MessageEntry } | undefined {
  const n = parseNumber(arg);
  if (n === undefined) return void s.badCommand('-ERR Invalid message number.');
  const entry = s.message(n);
  if (!entry) return void s.send('-ERR No such message.');
  return { n, entry };
}

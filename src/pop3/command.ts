// The shape of one POP3 command (one file per verb in commands/) and the
// argument helpers they share.
import type { Pop3Session, Pop3State } from './session.js';

export interface Pop3Command {
  /** Upper-case verb as sent by the client. */
  readonly verb: string;
  /** States in which the command is valid (RFC 1939 §3). */
  readonly states: readonly Pop3State[];
  /** `args` are the space-separated arguments; `rest` is the raw text after the verb (PASS). */
  run(session: Pop3Session, args: string[], rest: string): Promise<void> | void;
}

/** A message number argument: a positive decimal integer, or undefined. */
export function parseNumber(arg: string | undefined): number | undefined {
  if (arg === undefined || !/^\d{1,9}$/.test(arg)) return undefined;
  const n = Number(arg);
  return n >= 1 ? n : undefined;
}

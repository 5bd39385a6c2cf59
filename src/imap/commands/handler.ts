// The shape of one IMAP command file: the states it is valid in (RFC 3501 §3)
// and what it does. A handler returns the tagged completion, or nothing when
// it has answered itself (STARTTLS, LOGOUT).
import type { ImapSession, ImapState } from '../session-api.js';
import type { Command, CommandName, Completion } from '../types.js';

/** The command variant named N (several verbs share one variant, e.g. SELECT and EXAMINE). */
export type CommandOf<N extends CommandName> = Command extends infer C ? (C extends { name: infer M } ? (N extends M ? C & { name: N } : never) : never) : never;

export interface ImapHandler<N extends CommandName> {
  readonly states: readonly ImapState[];
  /** false: no announce after it (it has just brought the session up to date itself). */
  readonly announce?: boolean;
  run(s: ImapSession, cmd: CommandOf<N>): Promise<Completion | void>;
}

export const ANY: readonly ImapState[] = ['NOT AUTHENTICATED', 'AUTHENTICATED', 'SELECTED'];
export const AUTHED: readonly ImapState[] = ['AUTHENTICATED', 'SELECTED'];
export const SELECTED: readonly ImapState[] = ['SELECTED'];
export const UNAUTHED: readonly ImapState[] = ['NOT AUTHENTICATED'];

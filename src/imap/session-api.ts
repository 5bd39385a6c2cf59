// What a command file sees of its IMAP connection: the session's state, the
// transport facts LOGIN and STARTTLS need, and the executors' context. The
// connection itself (session.ts) implements it; command files import only
// this, so session.ts can dispatch to them without an import cycle.
import type { Socket } from 'node:net';
import type { UserStore } from '../mailbox/folders.js';
import type { ImapContext } from './context.js';
import type { LineRead } from './protocol/reader.js';
import type { Selected } from './selected.js';
import type { CommandContext } from './types.js';

export type ImapState = 'NOT AUTHENTICATED' | 'AUTHENTICATED' | 'SELECTED' | 'LOGOUT';

export interface ImapSession extends CommandContext {
  state: ImapState;
  readonly sid: string;
  readonly sock: Socket;
  readonly secure: boolean;
  user: string;
  store: UserStore;
  /** Set while a user slot is held (released when the session ends). */
  userSlot: string | undefined;
  selected: Selected | undefined;
  readonly ctx: ImapContext;
  readonly remoteAddress: string | undefined;
  readonly isClosed: boolean;
  readonly plaintextAllowed: boolean;
  /** A line that is not a command (AUTHENTICATE response, IDLE's DONE). */
  readLine(): Promise<LineRead | undefined>;
  /** Collects what the command sends until its tagged reply, then writes it all at once (short replies: SELECT). */
  holdOutput(): void;
  /** Leaves the selected mailbox (its folder reference is given back, unless the caller keeps it). */
  deselect(keepFolder?: boolean): void;
  close(): void;
  /** STARTTLS (RFC 3501 §6.2.1): input sent before the handshake is discarded. */
  startTls(): void;
}

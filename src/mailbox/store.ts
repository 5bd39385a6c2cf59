// The mailbox store: the one view of a user's mailbox that POP3, IMAP and
// `mailroom mail` share (local delivery writes the same directory, never
// through this interface). It never copies messages; maildir.ts implements it.
import type { FileHandle } from 'node:fs/promises';

/** One message as a reader sees it in a snapshot of the mailbox. */
export interface MessageEntry {
  /** Stable unique id (the Maildir base name, RFC 1939 UIDL rules applied). */
  readonly uidl: string;
  /** The Maildir base name (before ':'); the key that survives flag changes. */
  readonly base: string;
  /** Where the file is now, relative to the mailbox: `new/<name>` or `cur/<name>`. */
  path: string;
  /** Maildir flag letters, sorted (S seen, R replied, F flagged, T trashed, D draft, P passed). */
  flags: string;
  /** Size in octets with CRLF line endings: what POP3 LIST announces and RETR sends. */
  readonly size: number;
}

export interface MailboxStore {
  /** The mailbox directory (holding tmp/, new/, cur/). */
  readonly dir: string;
  /** All messages now in new/ and cur/, oldest delivery first. A missing mailbox is empty. */
  list(): Promise<MessageEntry[]>;
  /**
   * Opens a message for reading. When the file was renamed (flags changed by
   * another reader) it is found again by its base name; when it is gone
   * (deleted meanwhile), the result is undefined.
   */
  open(entry: MessageEntry): Promise<FileHandle | undefined>;
  /**
   * A small message read whole at once, synchronously (a page-cache read costs
   * less than the thread pool's open/read/close round trips); undefined when
   * its file is not where the entry says (then use open()).
   */
  readInline(entry: MessageEntry): Buffer | undefined;
  /** Moves the message to cur/ with the given flags; false when it is gone. */
  setFlags(entry: MessageEntry, flags: string): Promise<boolean>;
  /** Deletes the messages; ones already gone count as deleted. Fsyncs the directories. */
  remove(entries: MessageEntry[]): Promise<void>;
}

// The folder store: a user's Maildir++ (INBOX is the Maildir itself, a folder
// "a.b" is the directory `.a.b/`) with persistent IMAP UIDs, UIDVALIDITY and
// MODSEQ per folder. IMAP, and later the web console, read mail only through
// these interfaces; POP3 and `mailroom mail` use the flat store (store.ts) on
// the same INBOX directory, and the folder store notices what they change.
// Types only: the implementation is folder-store.ts and folder.ts.

/** The system flags of RFC 3501 §2.3.2 that live in the Maildir file name. */
export type SystemFlag = '\\Seen' | '\\Answered' | '\\Flagged' | '\\Deleted' | '\\Draft';

/** RFC 6154 special-use attributes of the folders made for a new user. */
export type SpecialUse = '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive';

/** A folder as LIST shows it. Names are Unicode, hierarchy separated by ".". */
export interface FolderInfo {
  /** "INBOX", "Sent", "Archive.2026" (Unicode; the IMAP edge converts to modified UTF-7). */
  readonly name: string;
  readonly specialUse?: SpecialUse | undefined;
  /** A parent that exists only because a child does (no directory of its own). */
  readonly noselect: boolean;
  readonly hasChildren: boolean;
  readonly subscribed: boolean;
}

/** One message of a folder, as every session of that folder shares it. */
export interface MessageRecord {
  readonly uid: number;
  /** The Maildir base name (before ':'); stable across flag changes. */
  readonly base: string;
  /** System flags and keywords, e.g. ['\\Seen', '$Forwarded']; never \Recent. */
  readonly flags: readonly string[];
  /** RFC 7162: the modification sequence of the last change to this message. */
  readonly modseq: number;
  /** Octets with CRLF line endings (RFC822.SIZE); filled lazily, cached in the index. */
  readonly size: number;
  /** INTERNALDATE in ms since the epoch (the file's delivery time). */
  readonly internalDate: number;
}

/** A consistent view of a folder at one moment; immutable, shared between sessions. */
export interface FolderSnapshot {
  readonly uidValidity: number;
  readonly uidNext: number;
  readonly highestModseq: number;
  /** Sorted by ascending UID: index i is sequence number i + 1 for a session in sync. */
  readonly messages: readonly MessageRecord[];
  /** UIDs at or above this are \Recent for the session that claimed them. */
  readonly firstRecentUid: number;
  /** Keywords defined in this folder (for FLAGS); at most 26 (Maildir letters a-z), so when full no new one can be stored. */
  readonly keywords?: readonly string[];
  /** What SELECT and STATUS announce; may be known without reading the messages. */
  readonly counts: FolderCounts;
}

/** Counts over a snapshot's messages. */
export interface FolderCounts {
  /** Messages (EXISTS). */
  readonly messages: number;
  /** Messages without \Seen. */
  readonly unseen: number;
  /** Sequence number of the first message without \Seen; 0 when every message is seen. */
  readonly firstUnseen: number;
  /** Messages at or above firstRecentUid. */
  readonly recent: number;
  /** Sum of their sizes (CRLF octets). */
  readonly size: number;
  /** UID of the last message; 0 when there is none. */
  readonly lastUid: number;
}

/** What a sync found changed since the previous snapshot. */
export interface FolderChanges {
  readonly snapshot: FolderSnapshot;
  /** UIDs that disappeared (expunged by this or another session, POP3, mutt, ...). */
  readonly expunged: readonly number[];
  /** UIDs that are new. */
  readonly added: readonly number[];
  /** UIDs whose flags changed. */
  readonly flagsChanged: readonly number[];
}

export type FlagOperation = 'add' | 'remove' | 'replace';

export interface StoreResult {
  /** Records whose flags did change, after the change (each with its new modseq); the others are as in the folder's snapshot. */
  readonly changed: readonly MessageRecord[];
  /** RFC 7162 UNCHANGEDSINCE: UIDs whose modseq was above it, left alone. */
  readonly conflicts: readonly number[];
}

/** One selected-or-examined folder. Opened through UserStore.open; shared by reference count. */
export interface Folder {
  readonly name: string;
  /** The snapshot of this reference's last sync() (or of open()); no disk access. */
  current(): FolderSnapshot;
  /** Rescans new/ and cur/, assigns UIDs to new files (persisted before returning), returns the changes. */
  sync(): Promise<FolderChanges>;
  /** Claims the \Recent messages for one read-write session: returns their UIDs, later callers get none. */
  claimRecent(): Promise<readonly number[]>;
  /** Calls `listener` (debounced, at most once per ~100 ms) when the directory changes on disk or in process. */
  watch(listener: () => void): () => void;
  /** The whole message with CRLF line endings; undefined when it vanished meanwhile. */
  read(uid: number): Buffer | undefined;
  /** The header block only (up to and including the empty line), CRLF; cheaper than read(). */
  readHeader(uid: number): Buffer | undefined;
  /**
   * A string cached for a message under `name` (message-cache.ts), computed
   * earlier by `remember`; opaque to the store. Optional: callers compute anew without it.
   */
  cached?(uid: number, name: string): string | undefined;
  /** Caches `value` for the message (in memory, then in the folder's cache file); may decline when full. */
  remember?(uid: number, name: string, value: string): void;
  store(uids: readonly number[], op: FlagOperation, flags: readonly string[], unchangedSince?: number): Promise<StoreResult>;
  /** Stores a message (LF line endings on disk), returns its UID (RFC 4315 APPENDUID). */
  append(message: Buffer, flags: readonly string[], internalDate?: number): Promise<number>;
  /** Copies into `target`, returns [sourceUid, targetUid] pairs in source UID order (COPYUID). */
  copy(uids: readonly number[], target: Folder): Promise<Array<[number, number]>>;
  /** As copy, then removes the sources (RFC 6851 MOVE). */
  move(uids: readonly number[], target: Folder): Promise<Array<[number, number]>>;
  /** Removes messages flagged \Deleted (only those in `uids` when given); returns the UIDs removed. The caller's next sync() reports them in `expunged` too. */
  expunge(uids?: readonly number[]): Promise<readonly number[]>;
  /** Gives back this reference (the folder's memory is freed after the last one). */
  release(): void;
}

/** One user's mailboxes. */
export interface UserStore {
  readonly user: string;
  /** Every folder (INBOX first), with LIST attributes and subscription state. */
  list(): Promise<FolderInfo[]>;
  /** Creates a folder (and missing parents); special-use folders exist from the first login. */
  create(name: string): Promise<void>;
  /** Deletes a folder and its messages (INBOX cannot be deleted; a folder with children becomes \Noselect). */
  delete(name: string): Promise<void>;
  /** Renames a folder and its children; renaming INBOX moves its messages into a new folder (RFC 3501 §6.3.5). */
  rename(from: string, to: string): Promise<void>;
  subscribe(name: string, on: boolean): Promise<void>;
  /** Opens a folder: rejects with a MailroomError code MAILBOX_NOT_FOUND when it does not exist. */
  open(name: string): Promise<Folder>;
  /** STATUS without opening for a session: counts from the index (after a sync). */
  status(name: string): Promise<{ messages: number; recent: number; uidNext: number; uidValidity: number; unseen: number; highestModseq: number; size: number }>;
}

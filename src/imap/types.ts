// The shapes that pass between the IMAP command parser (protocol/), the
// session (session.ts) and the command executors (commands/): typed commands
// as the RFC 3501 grammar and its extensions define them, and what an
// executor may do with a session. Types only.
import type { Folder, FolderSnapshot, UserStore } from '../mailbox/folders.js';
import type { Logger } from '../shared/log.js';

/** A range of a sequence set: numbers, '*' as Infinity (resolved against the mailbox when used). */
export type SeqRange = readonly [number, number];

/** A sequence set (RFC 3501 §9 sequence-set), or '$' for the saved search result (RFC 5182). */
export type SequenceSet = { readonly ranges: readonly SeqRange[] } | { readonly saved: true };

/** A section spec of BODY[...] (RFC 3501 §6.4.5). `part` is [] for the whole message. */
export interface Section {
  readonly part: readonly number[];
  readonly text?: 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME' | undefined;
  /** Upper-cased field names for HEADER.FIELDS (.NOT). */
  readonly fields?: readonly string[] | undefined;
}

export type FetchAtt =
  | { readonly kind: 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'ENVELOPE' | 'UID' | 'MODSEQ' }
  | { readonly kind: 'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT' }
  | { readonly kind: 'BODYSTRUCTURE' }
  /** BODY without a section: the non-extensible BODYSTRUCTURE. */
  | { readonly kind: 'BODY' }
  | {
      readonly kind: 'BODY[]';
      readonly section: Section;
      readonly peek: boolean;
      readonly partial?: { readonly start: number; readonly length: number } | undefined;
    }
  /** BINARY[...] / BINARY.SIZE (RFC 3516) are not offered. */;

export type SearchKey =
  | { readonly op: 'all' }
  | { readonly op: 'flag'; readonly flag: string; readonly set: boolean } // ANSWERED/UNANSWERED, KEYWORD/UNKEYWORD, SEEN, ...
  | { readonly op: 'new' | 'old' | 'recent' }
  | { readonly op: 'header'; readonly field: string; readonly value: string } // FROM, TO, CC, BCC, SUBJECT map here
  | { readonly op: 'body' | 'text'; readonly value: string }
  | { readonly op: 'date'; readonly which: 'internal' | 'sent'; readonly cmp: 'before' | 'on' | 'since'; readonly day: string } // YYYY-MM-DD
  | { readonly op: 'size'; readonly cmp: 'larger' | 'smaller'; readonly n: number }
  | { readonly op: 'seq'; readonly set: SequenceSet }
  | { readonly op: 'uid'; readonly set: SequenceSet }
  | { readonly op: 'modseq'; readonly min: number } // RFC 7162 MODSEQ
  | { readonly op: 'not'; readonly key: SearchKey }
  | { readonly op: 'or'; readonly a: SearchKey; readonly b: SearchKey }
  | { readonly op: 'and'; readonly keys: readonly SearchKey[] };

/** Every command with its arguments parsed. `uid` marks the UID form (UID FETCH ...). */
export type Command = { readonly tag: string } & (
  | { readonly name: 'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'CHECK' | 'CLOSE' | 'UNSELECT' | 'NAMESPACE' | 'IDLE' }
  | { readonly name: 'LOGIN'; readonly user: string; readonly password: string }
  | { readonly name: 'AUTHENTICATE'; readonly mechanism: string; readonly initial?: string | undefined }
  | { readonly name: 'ENABLE'; readonly capabilities: readonly string[] }
  | { readonly name: 'ID'; readonly params: Readonly<Record<string, string | null>> | null }
  | {
      readonly name: 'SELECT' | 'EXAMINE';
      readonly mailbox: string;
      readonly condstore: boolean;
      /** RFC 7162 QRESYNC (uidvalidity modseq [known-uids [seq-match]]). */
      readonly qresync?: { readonly uidValidity: number; readonly modseq: number; readonly knownUids?: SequenceSet | undefined; readonly seqMatch?: readonly [SequenceSet, SequenceSet] | undefined } | undefined;
    }
  | { readonly name: 'CREATE' | 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE'; readonly mailbox: string }
  | { readonly name: 'RENAME'; readonly from: string; readonly to: string }
  | { readonly name: 'LIST' | 'LSUB'; readonly reference: string; readonly pattern: string; readonly returnSpecialUse?: boolean | undefined; readonly selectSpecialUse?: boolean | undefined;
      /** RFC 5258 LIST (SUBSCRIBED) selection and RETURN (SUBSCRIBED CHILDREN). */
      readonly selectSubscribed?: boolean | undefined; readonly returnSubscribed?: boolean | undefined; readonly returnChildren?: boolean | undefined }
  | { readonly name: 'STATUS'; readonly mailbox: string; readonly items: readonly string[] }
  | { readonly name: 'APPEND'; readonly mailbox: string; readonly flags: readonly string[]; readonly date?: number | undefined; readonly message: Buffer }
  | { readonly name: 'EXPUNGE'; readonly uid: boolean; readonly set?: SequenceSet | undefined }
  | { readonly name: 'SEARCH'; readonly uid: boolean; readonly charset?: string | undefined; readonly key: SearchKey; readonly returnOpts?: readonly string[] | undefined }
  | { readonly name: 'FETCH'; readonly uid: boolean; readonly set: SequenceSet; readonly atts: readonly FetchAtt[]; readonly changedSince?: number | undefined; readonly vanished?: boolean | undefined }
  | { readonly name: 'STORE'; readonly uid: boolean; readonly set: SequenceSet; readonly op: 'add' | 'remove' | 'replace'; readonly silent: boolean; readonly flags: readonly string[]; readonly unchangedSince?: number | undefined }
  | { readonly name: 'COPY' | 'MOVE'; readonly uid: boolean; readonly set: SequenceSet; readonly mailbox: string }
);

export type CommandName = Command['name'];

/** The selected mailbox as one session sees it (RFC 3501 §5.2: sequence numbers change only when told). */
export interface SelectedView {
  readonly folder: Folder;
  readonly readOnly: boolean;
  /** The snapshot this session has announced; its messages give sequence numbers. */
  readonly snapshot: FolderSnapshot;
  /** UIDs that are \Recent for this session. */
  readonly recent: ReadonlySet<number>;
  /** RFC 5182: the last SEARCH result saved with SAVE (UIDs). */
  savedSearch: readonly number[];
  /** Turns a sequence set (sequence numbers or UIDs) into the matching messages' indexes, ascending. */
  resolve(set: SequenceSet, uid: boolean): number[];
}

/** What a command executor may use of its session. */
export interface CommandContext {
  readonly user: string;
  readonly store: UserStore;
  readonly log: Logger;
  /** Extensions enabled with ENABLE (CONDSTORE, QRESYNC, UTF8=ACCEPT) or implied (a CONDSTORE command). */
  readonly enabled: Set<string>;
  readonly selected: SelectedView | undefined;
  /** Writes one response line (CRLF added); may contain literals. */
  send(line: string): void;
  /** Writes raw octets (a literal's content). */
  sendBytes(data: Buffer): void;
  /**
   * Brings the session's view up to date and sends untagged EXPUNGE/VANISHED,
   * EXISTS, RECENT and FETCH FLAGS (RFC 3501 §7). `allowExpunge` is false during
   * FETCH, STORE and SEARCH (not the UID forms), where expunges must wait (§7.4.1).
   */
  announce(allowExpunge: boolean): Promise<void>;
  /**
   * Resolves once the connection has written out what was sent so far (socket
   * 'drain'); long FETCH responses wait on it so a slow reader does not make
   * the server buffer a whole mailbox. Optional: without it, executors only
   * yield to the event loop.
   */
  drain?(): Promise<void>;
}

/** The tagged completion of a command; the session writes `<tag> <status> [<code>] <text>`. */
export interface Completion {
  readonly status: 'OK' | 'NO' | 'BAD';
  /** A response code without brackets, e.g. "READ-WRITE", "APPENDUID 38505 3955", "TRYCREATE". */
  readonly code?: string | undefined;
  readonly text: string;
}

/**
 * The command(s) whose name can be N. Unlike Extract<Command, { name: N }> this
 * also finds members that share a shape ('COPY' | 'MOVE', 'SELECT' | 'EXAMINE').
 */
export type CommandOf<N extends CommandName, C = Command> = C extends { readonly name: infer M } ? (N extends M ? C : never) : never;

/** One executor per command file (commands/<verb>.ts) exports a function of this shape. */
export type Executor<N extends CommandName> = (ctx: CommandContext, cmd: CommandOf<N>) => Promise<Completion>;

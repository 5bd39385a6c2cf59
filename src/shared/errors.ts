// Typed errors of mailroom. A failure is classified once, where it is understood,
// and carries its `kind` to the edge. The catalogue below is the one list of
// error codes, each with its kind; the table of kinds says what each kind is at
// every edge: the exit status (exit-codes.ts), the SMTP reply (replies.ts) and
// the POP3 response code. Never branch on message text.
import { EX } from './sysexits.js';

export type ErrorKind =
  | 'usage' // bad flags or arguments (EX_USAGE)
  | 'data' // malformed message or address (EX_DATAERR)
  | 'nouser' // unknown local recipient or user (EX_NOUSER)
  | 'noinput' // no such message or file (EX_NOINPUT)
  | 'unavailable' // a service we need is not there or refused (EX_UNAVAILABLE)
  | 'cantcreat' // spool or file not writable (EX_CANTCREAT)
  | 'ioerr' // I/O error while writing (EX_IOERR)
  | 'temporary' // try again later (EX_TEMPFAIL)
  | 'permission' // not allowed (EX_NOPERM)
  | 'config' // bad configuration (EX_CONFIG)
  | 'internal'; // a bug (EX_SOFTWARE)

/** Every error code mailroom throws, with its kind. One code per condition. */
export const ERROR_CODES = {
  // usage: what the invoking user asked for cannot be done as asked
  USAGE: 'usage',
  BAD_QUEUE_ID: 'usage',
  USER_NAME_INVALID: 'usage',
  USER_EXISTS: 'usage',
  PASSWORD_EMPTY: 'usage',
  PASSWORD_MISMATCH: 'usage',
  INTERRUPTED: 'usage',
  INSTALL_BAD_USER: 'usage',
  // data: a message, address or file's content is malformed
  BAD_ADDRESS: 'data',
  BAD_FULL_NAME: 'data',
  BAD_MESSAGE: 'data',
  MESSAGE_TOO_BIG: 'data',
  MESSAGE_NUL: 'data',
  HEADER_NOT_UTF8: 'data',
  HEADER_BARE_CR: 'data',
  HEADER_LINE_TOO_LONG: 'data',
  BODY_LINE_TOO_LONG: 'data',
  MANIFEST_INVALID: 'data',
  INSTALL_ACCOUNTS: 'data',
  UNINSTALL_NOT_SPOOL: 'data',
  // nouser: a local recipient, mailbox user or account that does not exist
  USER_UNKNOWN: 'nouser',
  INSTALL_NO_USER: 'nouser',
  // noinput: a message or file to read is not there
  NO_SUCH_MESSAGE: 'noinput',
  QUEUE_NOT_FOUND: 'noinput',
  ALIASES_UNREADABLE: 'noinput',
  USERS_UNREADABLE: 'noinput',
  INSTALL_NO_ACCOUNTS: 'noinput',
  // unavailable: the daemon, a listener or a system command did not do it
  DAEMON_DOWN: 'unavailable',
  FLUSH_REFUSED: 'unavailable',
  RELEASE_UNAVAILABLE: 'unavailable',
  LISTEN_FAILED: 'unavailable',
  INSTALL_COMMAND_FAILED: 'unavailable',
  // cantcreat: a file or directory cannot be made
  SPOOL_MISSING: 'cantcreat',
  SPOOL_NOT_WRITABLE: 'cantcreat',
  MAILBOX_UNUSABLE: 'cantcreat',
  INSTALL_FAILED: 'cantcreat',
  DKIM_KEY_EXISTS: 'cantcreat',
  DKIM_KEY_WRITE_FAILED: 'cantcreat',
  INSTALL_CONFLICT: 'cantcreat',
  INSTALL_NO_ID: 'cantcreat',
  INSTALL_SAVED_EXISTS: 'cantcreat',
  // ioerr
  SPOOL_WRITE_FAILED: 'ioerr',
  // temporary: the same request may work later
  SPOOL_FULL: 'temporary',
  SPOOL_BUSY: 'temporary',
  QUEUE_BUSY: 'temporary',
  LOCK_BUSY: 'temporary',
  DKIM_SIGN_FAILED: 'temporary',
  DAEMON_RUNNING: 'temporary',
  OAUTH2_UNREACHABLE: 'temporary',
  OAUTH2_REFUSED: 'temporary',
  // permission
  QUEUE_NOT_READABLE: 'permission',
  INSTALL_NOT_ROOT: 'permission',
  INSTALL_NOT_PERMITTED: 'permission',
  // mailbox store (IMAP folders)
  MAILBOX_NOT_FOUND: 'noinput',
  MAILBOX_EXISTS: 'usage',
  MAILBOX_NAME_INVALID: 'usage',
  MAILBOX_HAS_CHILDREN: 'usage',
  MAILBOX_BUSY: 'temporary',
  MAILBOX_KEYWORDS_FULL: 'cantcreat',
  FLAG_INVALID: 'usage',
  // config
  CONFIG_INVALID: 'config',
  SECRET_MISSING: 'config',
  TLS_CERT_UNREADABLE: 'config',
  DKIM_KEY_UNREADABLE: 'config',
  DKIM_KEY_INVALID: 'config',
  // internal: a bug or an impossible state
  STILL_ROOT: 'internal',
  NO_GO: 'internal',
  INSTALL_UNIT: 'internal',
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An SMTP reply as the socket edge sends it; no `text`: the error's own message. */
export interface SmtpEdge {
  code: number;
  enhanced: string;
  text?: string;
}

/** What one kind of error is at each edge. */
export interface KindEdges {
  /** The exit status of a command (sysexits.h). */
  exit: number;
  /** The SMTP reply (RFC 5321, RFC 3463) to a client whose command failed so. */
  smtp: SmtpEdge;
  /** The POP3 response code (RFC 2449, RFC 3206) of the -ERR answer. */
  pop3: 'SYS/TEMP' | 'SYS/PERM';
}

const LOCAL_ERROR: SmtpEdge = { code: 451, enhanced: '4.3.0', text: 'Local error in processing' };

/** The one table from a kind to its edges. A client sees a generic reply; the detail goes to the log line. */
export const KIND_EDGES: Record<ErrorKind, KindEdges> = {
  usage: { exit: EX.USAGE, smtp: { code: 501, enhanced: '5.5.4' }, pop3: 'SYS/PERM' },
  data: { exit: EX.DATAERR, smtp: { code: 554, enhanced: '5.6.0' }, pop3: 'SYS/PERM' },
  nouser: { exit: EX.NOUSER, smtp: { code: 550, enhanced: '5.1.1' }, pop3: 'SYS/PERM' },
  noinput: { exit: EX.NOINPUT, smtp: LOCAL_ERROR, pop3: 'SYS/TEMP' },
  unavailable: { exit: EX.UNAVAILABLE, smtp: LOCAL_ERROR, pop3: 'SYS/TEMP' },
  cantcreat: { exit: EX.CANTCREAT, smtp: LOCAL_ERROR, pop3: 'SYS/TEMP' },
  ioerr: { exit: EX.IOERR, smtp: LOCAL_ERROR, pop3: 'SYS/TEMP' },
  temporary: { exit: EX.TEMPFAIL, smtp: LOCAL_ERROR, pop3: 'SYS/TEMP' },
  permission: { exit: EX.NOPERM, smtp: LOCAL_ERROR, pop3: 'SYS/TEMP' },
  config: { exit: EX.CONFIG, smtp: LOCAL_ERROR, pop3: 'SYS/TEMP' },
  internal: { exit: EX.SOFTWARE, smtp: LOCAL_ERROR, pop3: 'SYS/TEMP' },
};

/** Codes whose SMTP reply says more than their kind's (RFC 3463 4.3.1, 5.3.4). */
export const SMTP_BY_CODE: Partial<Record<ErrorCode, SmtpEdge>> = {
  SPOOL_FULL: { code: 452, enhanced: '4.3.1', text: 'Insufficient system storage' },
  MESSAGE_TOO_BIG: { code: 552, enhanced: '5.3.4', text: 'Message size exceeds fixed maximum message size' },
};

/**
 * Codes of the folder store (src/mailbox/), for the IMAP edge to map:
 * not found, exists, invalid name, has children (\Noselect), busy (lock),
 * no room for another keyword, invalid flag.
 */
export type MailboxErrorCode = 'MAILBOX_NOT_FOUND' | 'MAILBOX_EXISTS' | 'MAILBOX_NAME_INVALID' | 'MAILBOX_HAS_CHILDREN' | 'MAILBOX_BUSY' | 'MAILBOX_KEYWORDS_FULL' | 'FLAG_INVALID';

/** Marks our errors across module copies (the bundled sendmail fast path and its lazily loaded modes each have one). */
const BRAND = Symbol.for('mailroom.error');

export class MailroomError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly [BRAND] = true;
  /** An error of the catalogue: its kind is the catalogue's. */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown });
  /** @deprecated an explicit kind, for code not yet moved to the catalogue: use (code, message). */
  constructor(code: string, kind: ErrorKind, message: string, options?: { cause?: unknown });
  constructor(code: string, a: string, b?: string | { cause?: unknown }, c?: { cause?: unknown }) {
    const legacy = typeof b === 'string';
    super(legacy ? b : a, legacy ? c : b);
    this.name = 'MailroomError';
    this.code = code;
    this.kind = legacy ? (a as ErrorKind) : (ERROR_CODES[code as ErrorCode] ?? 'internal');
  }
}

/** The edges of `err`: its kind's row (anything not ours is a bug), with a code's own SMTP reply. */
export function edgeOf(err: unknown): KindEdges {
  if (!isMailroomError(err)) return KIND_EDGES.internal;
  const row = KIND_EDGES[err.kind];
  const smtp = SMTP_BY_CODE[err.code as ErrorCode];
  return smtp ? { ...row, smtp } : row;
}

/** One problem found in a configuration file, with the key path it concerns. */
export interface ConfigIssue {
  path: string;
  message: string;
  hint?: string;
}

export class ConfigError extends MailroomError {
  readonly issues: ConfigIssue[];
  readonly file: string | undefined;
  constructor(file: string | undefined, issues: ConfigIssue[]) {
    const first = issues[0];
    const where = file ? `${file}: ` : '';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more; run 'mailroom config check')` : '';
    super('CONFIG_INVALID', `${where}${first ? `${first.path || '(file)'}: ${first.message}` : 'invalid'}${more}`);
    this.name = 'ConfigError';
    this.issues = issues;
    this.file = file;
  }
}

/** Wraps a Node system error (ENOSPC, EACCES, ...) into a classified spool error. */
export function spoolError(action: string, err: unknown): MailroomError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const detail = `${action}: ${(err as Error)?.message ?? String(err)}`;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new MailroomError('SPOOL_FULL', `${action}: no space left in the spool`, { cause: err });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new MailroomError('SPOOL_NOT_WRITABLE', detail, { cause: err });
    case 'ENOENT':
    case 'ENOTDIR':
      return new MailroomError('SPOOL_MISSING', detail, { cause: err });
    case 'EMFILE':
    case 'ENFILE':
    case 'EAGAIN':
    case 'EBUSY':
      return new MailroomError('SPOOL_BUSY', detail, { cause: err });
    default:
      return new MailroomError('SPOOL_WRITE_FAILED', detail, { cause: err });
  }
}

export function isMailroomError(err: unknown): err is MailroomError {
  return err instanceof MailroomError || (typeof err === 'object' && err !== null && (err as { [BRAND]?: boolean })[BRAND] === true);
}

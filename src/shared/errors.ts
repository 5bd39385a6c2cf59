// Typed errors of mailroom. A failure is classified once, where it is understood,
// and carries its `kind` to the edge: exit-codes.ts maps it to a sysexit for the
// CLI, replies.ts to an SMTP reply for a socket. Never branch on message text.

export type ErrorKind =
  | 'usage' // bad flags or arguments (EX_USAGE)
  | 'data' // malformed message or address (EX_DATAERR)
  | 'nouser' // unknown local recipient (EX_NOUSER)
  | 'noinput' // no such message or file (EX_NOINPUT)
  | 'unavailable' // a service we need is not there (EX_UNAVAILABLE)
  | 'cantcreat' // spool not writable (EX_CANTCREAT)
  | 'ioerr' // I/O error while writing (EX_IOERR)
  | 'temporary' // try again later (EX_TEMPFAIL)
  | 'permission' // not allowed (EX_NOPERM)
  | 'config' // bad configuration (EX_CONFIG)
  | 'internal'; // a bug (EX_SOFTWARE)

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
  constructor(code: string, kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MailroomError';
    this.code = code;
    this.kind = kind;
  }
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
    super('CONFIG_INVALID', 'config', `${where}${first ? `${first.path || '(file)'}: ${first.message}` : 'invalid'}${more}`);
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
      return new MailroomError('SPOOL_FULL', 'temporary', `${action}: no space left in the spool`, { cause: err });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new MailroomError('SPOOL_NOT_WRITABLE', 'cantcreat', detail, { cause: err });
    case 'ENOENT':
    case 'ENOTDIR':
      return new MailroomError('SPOOL_MISSING', 'cantcreat', detail, { cause: err });
    case 'EMFILE':
    case 'ENFILE':
    case 'EAGAIN':
    case 'EBUSY':
      return new MailroomError('SPOOL_BUSY', 'temporary', detail, { cause: err });
    default:
      return new MailroomError('SPOOL_WRITE_FAILED', 'ioerr', detail, { cause: err });
  }
}

export function isMailroomError(err: unknown): err is MailroomError {
  return err instanceof MailroomError || (typeof err === 'object' && err !== null && (err as { [BRAND]?: boolean })[BRAND] === true);
}

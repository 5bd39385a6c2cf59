// Mailbox names at the IMAP edge: what a client may name (no path syntax:
// no "/", no empty hierarchy levels, no control characters, bounded length),
// how names are written back (modified UTF-7, RFC 3501 §5.1.3), and the one
// table from folder store errors to tagged NO responses (RFC 5530 codes).
import { encodeMutf7 } from '../mailbox/mutf7.js';
import { MailroomError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { astr } from './encode.js';
import type { Completion } from './types.js';

const MAX_NAME = 200;

/** Why a name may not be used, or undefined when it may. */
export function mailboxNameProblem(name: string): string | undefined {
  if (name === '') return 'Empty mailbox name';
  if (name.length > MAX_NAME) return 'Mailbox name too long';
  if (/[\x00-\x1f\x7f/\\]/.test(name)) return 'Mailbox name contains a character that is not allowed';
  if (name.split('.').some((p) => p === '' || p === '~' || p.startsWith('~'))) return 'Mailbox name has an empty or reserved hierarchy level';
  if (/[*%]/.test(name)) return 'Mailbox name contains a wildcard';
  return undefined;
}

/** The refusal for an unusable name, or undefined. */
export function refuseName(name: string): Completion | undefined {
  const problem = mailboxNameProblem(name);
  return problem ? { status: 'NO', code: 'CANNOT', text: problem } : undefined;
}

/** A mailbox name as a response writes it. */
export function wireName(name: string): string {
  return astr(encodeMutf7(name));
}

const CODES: Record<string, [string, string]> = {
  MAILBOX_NOT_FOUND: ['NONEXISTENT', 'Mailbox does not exist'],
  MAILBOX_EXISTS: ['ALREADYEXISTS', 'Mailbox already exists'],
  MAILBOX_INVALID: ['CANNOT', 'Mailbox name is not allowed'],
  MAILBOX_NAME_INVALID: ['CANNOT', 'Mailbox name is not allowed'],
  MAILBOX_HAS_CHILDREN: ['INUSE', 'Mailbox has children'],
  MAILBOX_BUSY: ['INUSE', 'Mailbox is busy, try again'],
};

/** A folder store failure as a tagged NO; unexpected ones are logged and answered [SERVERBUG]. */
export function storeFailure(err: unknown, log: Logger, fields: Record<string, string>): Completion {
  if (err instanceof MailroomError) {
    const known = CODES[err.code];
    if (known) return { status: 'NO', code: known[0], text: known[1] };
    if (err.kind === 'data' || err.kind === 'noinput' || err.kind === 'cantcreat') return { status: 'NO', code: 'CANNOT', text: err.message.replace(/\/[^\s]*/g, '') };
  }
  log.error('imap mailbox operation failed', { ...fields, error: (err as Error).message });
  return { status: 'NO', code: 'SERVERBUG', text: 'Internal error, try again later' };
}

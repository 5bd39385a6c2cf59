// Temporary vs permanent for local delivery, decided once here, where the
// failure is understood, and carried as DeliveryOutcome.status: a full disk,
// a busy lock or a transient system error is deferred and retried like a
// remote failure; a mailbox path
// that cannot be a mailbox (a file where a directory must be, a symlink loop)
// fails. Anything not understood is deferred: retried, then bounced after
// relay.maxAge — never silently lost, never bounced on a hiccup.
import { isMailroomError } from '../shared/errors.js';
import type { DeliveryOutcome } from '../shared/delivery.js';

export function outcomeForError(err: unknown, relay: string, what = 'mailbox'): DeliveryOutcome {
  if (isMailroomError(err)) {
    if (err.code === 'LOCK_BUSY') return { status: 'deferred', reply: `451 4.2.0 ${what} is locked; try again later`, relay };
    if (err.code === 'MAILBOX_UNUSABLE') return { status: 'failed', reply: `550 5.2.0 ${err.message}`, relay };
    return err.kind === 'temporary' ? { status: 'deferred', reply: `451 4.3.0 ${err.message}`, relay } : { status: 'failed', reply: `550 5.3.0 ${err.message}`, relay };
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  const detail = `${what}: ${code ?? (err as Error)?.message ?? String(err)}`;
  switch (code) {
    case 'ENOSPC':
      return { status: 'deferred', reply: `452 4.3.1 insufficient system storage (${detail})`, relay };
    case 'EDQUOT':
      return { status: 'deferred', reply: `452 4.2.2 mailbox full (${detail})`, relay };
    case 'ENOTDIR':
    case 'EISDIR':
    case 'ELOOP':
    case 'ENAMETOOLONG':
    case 'EFTYPE':
      return { status: 'failed', reply: `550 5.2.0 mailbox unusable (${detail})`, relay };
    default:
      // EAGAIN, EBUSY, EMFILE, ENFILE, EINTR, EIO, EACCES, EPERM, EROFS, ...: fixable, so retried.
      return { status: 'deferred', reply: `451 4.3.0 cannot deliver to ${detail}`, relay };
  }
}

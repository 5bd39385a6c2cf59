// Temporary vs permanent for local delivery, decided once here, where the
// failure is understood, and carried as DeliveryOutcome.status: a full disk,
// a busy lock or a transient system error is deferred and retried like a
// remote failure; a mailbox path
// that cannot be a mailbox (a file where a directory must be, a symlink loop)
// fails. Anything not understood is deferred: retried, then bounced after
// relay.maxAge — never silently lost, never bounced on a hiccup.
import { isMailroomError } from '../shared/errors.js';
import type { DeliveryOutcome } from '../shared/delivery.js';
import { replies } from '../shared/replies.js';

export function outcomeForError(err: unknown, relay: string, what = 'mailbox'): DeliveryOutcome {
  if (isMailroomError(err)) {
    if (err.code === 'LOCK_BUSY') return { ...replies.mailboxLocked(what), relay };
    if (err.code === 'MAILBOX_UNUSABLE') return { ...replies.mailboxUnusable(err.message), relay };
    return err.kind === 'temporary' ? { ...replies.localTemporary(err.message), relay } : { ...replies.localPermanent(err.message), relay };
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  const detail = `${what}: ${code ?? (err as Error)?.message ?? String(err)}`;
  switch (code) {
    case 'ENOSPC':
      return { ...replies.noSpace(detail), relay };
    case 'EDQUOT':
      return { ...replies.mailboxFull(detail), relay };
    case 'ENOTDIR':
    case 'EISDIR':
    case 'ELOOP':
    case 'ENAMETOOLONG':
    case 'EFTYPE':
      return { ...replies.mailboxUnusable(`mailbox unusable (${detail})`), relay };
    default:
      // EAGAIN, EBUSY, EMFILE, ENFILE, EINTR, EIO, EACCES, EPERM, EROFS, ...: fixable, so retried.
      return { ...replies.localTemporary(`cannot deliver to ${detail}`), relay };
  }
}

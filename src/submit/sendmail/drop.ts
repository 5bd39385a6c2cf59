// Leaves a composed message in maildrop/ and pokes the daemon (pickup FIFO).
// Works with the daemon down: the message waits on disk. Errors come out classified:
// no space -> EX_TEMPFAIL, spool missing or not writable -> EX_CANTCREAT.
import { statfsSync } from 'node:fs';
import type { SubmitView } from '../../config/submit-view.js';
import { MailroomError, spoolError } from '../../shared/errors.js';
import { pickupFifoPath, pokePickup } from '../../shared/poke.js';
import { writeDrop } from '../../spool/maildrop.js';
import { spoolPaths } from '../../spool/paths.js';
import type { QueueId } from '../../spool/queue-id.js';
import type { Composed } from '../compose.js';

/** Keep this much free space for the daemon to move mail on. */
const RESERVE = 8 * 1024 * 1024;

export async function dropMessage(view: SubmitView, id: QueueId, c: Composed): Promise<void> {
  const paths = spoolPaths(view.spool);
  let free = Infinity;
  try {
    const fs = statfsSync(paths.maildrop);
    free = fs.bavail * fs.bsize;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      // First use on a fresh machine: create the spool if we may (the owner, or root).
      try {
        const { ensureSpool } = await import('../../spool/layout.js');
        await ensureSpool(paths);
      } catch (e) {
        throw spoolError(`the spool ${view.spool} does not exist and cannot be created`, e);
      }
    }
  }
  if (c.content.length + RESERVE > free) {
    throw new MailroomError('SPOOL_FULL', `not enough free space in ${paths.maildrop} for a ${c.content.length}-byte message; try again later`);
  }
  try {
    writeDrop(paths.maildrop, id, c.drop, c.content);
  } catch (err) {
    throw spoolError(`cannot write to ${paths.maildrop}`, err);
  }
  pokePickup(pickupFifoPath(view.socket.path));
}

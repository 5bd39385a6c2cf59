// Ownership of a queued message. An administrator's command takes the lock
// (proper-lockfile, a directory under locks/) before it changes a message; a
// lock left by a killed process goes stale and is taken over. The daemon's
// queue runner takes no lock per message: it is the only runner (the daemon's
// pid lock), it skips a message whose lock an administrator holds
// (heldByOther), and an administrator who took a lock waits, over the control
// socket, until the runner is done with that message (admin/queue-actions.ts).
import { statSync } from 'node:fs';
import lockfile from 'proper-lockfile';
import { MailroomError } from '../shared/errors.js';
import type { SpoolPaths } from './paths.js';
import type { QueueId } from './queue-id.js';

export type Release = () => Promise<void>;

// A holder refreshes its lock every STALE_MS / 2; a lock left by a killed process is
// taken over after STALE_MS (the queue manager retries busy messages meanwhile).
const STALE_MS = 10_000;

/** Locks one message; resolves to undefined when someone else holds it. */
export async function tryClaim(paths: SpoolPaths, id: QueueId): Promise<Release | undefined> {
  try {
    return await lockfile.lock(paths.eml(id), {
      lockfilePath: paths.lock(id),
      realpath: false,
      stale: STALE_MS,
      retries: 0,
      onCompromised: () => {
        /* the holder keeps going; the next state change is an atomic rename anyway */
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
    throw err;
  }
}

/**
 * True when someone else (an administrator's command) holds the message's
 * lock and it is not stale: one stat, no lock taken. (proper-lockfile's own
 * checkSync answers the same, the same way, but copies its fs adapter on
 * every call: too dear once per delivery.)
 */
export function heldByOther(paths: SpoolPaths, id: QueueId): boolean {
  const st = statSync(paths.lock(id), { throwIfNoEntry: false });
  return st !== undefined && st.mtimeMs >= Date.now() - STALE_MS;
}

/** Locks one message, waiting a little for another command to let go of it. */
export async function claim(paths: SpoolPaths, id: QueueId, waitMs = 5000): Promise<Release> {
  const until = Date.now() + waitMs;
  for (;;) {
    const release = await tryClaim(paths, id);
    if (release) return release;
    if (Date.now() > until) throw new MailroomError('QUEUE_BUSY', `message ${id} is busy (being delivered); try again`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

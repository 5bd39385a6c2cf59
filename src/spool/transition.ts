// State changes of a queued message, each one atomic: a rename of its .env
// between state directories, or an atomic rewrite of the .env. Callers own the
// message: the daemon's runner, or an administrator's command holding its lock
// (claim.ts).
import { promises as fsp, readFileSync, renameSync } from 'node:fs';
import { MailroomError } from '../shared/errors.js';
import { parseEnvelope, serializeEnvelope, type Envelope } from './envelope.js';
import { fsyncDir, replaceFileAtomic } from '../shared/fsio.js';
import { QUEUE_STATES, type EnvelopeDir, type QueueState, type SpoolPaths } from './paths.js';
import type { QueueId } from './queue-id.js';

export interface Located {
  state: QueueState;
  envelope: Envelope;
}

/**
 * Finds a message in the queue; undefined when it is not there. `first` is the
 * state to look in first (where the caller last saw it). Envelopes are small
 * and freshly written: read synchronously, cheaper than the thread pool.
 */
export async function locate(paths: SpoolPaths, id: QueueId, first?: QueueState): Promise<Located | undefined> {
  const order = first ? [first, ...QUEUE_STATES.filter((s) => s !== first)] : QUEUE_STATES;
  for (const state of order) {
    let text: string;
    try {
      text = readFileSync(paths.env(state, id), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      if (code === 'EACCES' || code === 'EPERM') throw new MailroomError('QUEUE_NOT_READABLE', `cannot read the queue in ${paths.root}: permission denied`, { cause: err });
      throw err;
    }
    return { state, envelope: parseEnvelope(text, id) };
  }
  return undefined;
}

export async function mustLocate(paths: SpoolPaths, id: QueueId): Promise<Located> {
  const found = await locate(paths, id);
  if (!found) throw new MailroomError('QUEUE_NOT_FOUND', `no message ${id} in the queue`);
  return found;
}

/**
 * Moves the envelope to another state directory: one rename, and both
 * directories fsynced unless `durable` is false. The queue runner's own moves
 * (into deferred/ after an attempt whose results are already on disk, into
 * hold/ under relay.mode hold) need no fsync: a rename is atomic, and one lost
 * in a power cut leaves the message where it was, with its results written,
 * and the restarted runner does the same again. An administrator's hold must survive, so it is durable.
 */
export async function moveEnvelope(paths: SpoolPaths, id: QueueId, from: EnvelopeDir, to: EnvelopeDir, durable = true): Promise<void> {
  if (from === to) return;
  if (!durable) {
    // One metadata call: inline costs less than a thread-pool round trip.
    renameSync(paths.env(from, id), paths.env(to, id));
    return;
  }
  await fsp.rename(paths.env(from, id), paths.env(to, id));
  await Promise.all([fsyncDir(paths.dir(to)), fsyncDir(paths.dir(from))]);
}

/** Rewrites the envelope in place (per-recipient results, next attempt). */
export async function rewriteEnvelope(paths: SpoolPaths, state: QueueState, env: Envelope): Promise<void> {
  await replaceFileAtomic(paths.env(state, env.id), serializeEnvelope(env), paths.tmp);
}

/** Removes a message: the envelope first (it then no longer exists for scans), then the data. */
export async function removeMessage(paths: SpoolPaths, id: QueueId, state: EnvelopeDir): Promise<void> {
  // No directory fsync: a removal lost in a power cut only means the message
  // is delivered once more (as Postfix, which does not fsync deletions either);
  // a killed process cannot lose it, the unlink is already in the kernel.
  await unlinkIfThere(paths.env(state, id));
  await unlinkIfThere(paths.eml(id));
}

async function unlinkIfThere(path: string): Promise<void> {
  try {
    await fsp.unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

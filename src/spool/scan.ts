// Reading the queue: every message with its state, envelope and size. A file
// that cannot be read as an envelope is reported as damaged (the daemon moves
// it to corrupt/), never skipped silently.
import { promises as fsp } from 'node:fs';
import { EnvelopeFormatError, parseEnvelope, type Envelope } from './envelope.js';
import { QUEUE_STATES, type QueueState, type SpoolPaths } from './paths.js';
import { isQueueId, type QueueId } from './queue-id.js';

export interface QueueEntry {
  id: QueueId;
  state: QueueState;
  envelope: Envelope;
}

export interface Damaged {
  id: QueueId;
  state: QueueState;
  reason: string;
}

export async function listIds(paths: SpoolPaths, state: QueueState): Promise<QueueId[]> {
  let names: string[];
  try {
    names = await fsp.readdir(paths.dir(state));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const ids: QueueId[] = [];
  for (const n of names) {
    if (!n.endsWith('.env')) continue;
    const id = n.slice(0, -4);
    if (isQueueId(id)) ids.push(id);
  }
  return ids.sort();
}

export async function scanQueue(paths: SpoolPaths, states: readonly QueueState[] = QUEUE_STATES): Promise<{ entries: QueueEntry[]; damaged: Damaged[] }> {
  const entries: QueueEntry[] = [];
  const damaged: Damaged[] = [];
  for (const state of states) {
    for (const id of await listIds(paths, state)) {
      try {
        const text = await fsp.readFile(paths.env(state, id), 'utf8');
        entries.push({ id, state, envelope: parseEnvelope(text, id) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // moved meanwhile
        // Only a file that was read and is bad is damaged; an I/O error (EMFILE,
        // EIO, EACCES) says nothing about the envelope and must not send good
        // mail to corrupt/.
        if (!(err instanceof EnvelopeFormatError)) throw err;
        damaged.push({ id, state, reason: err.message });
      }
    }
  }
  entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { entries, damaged };
}

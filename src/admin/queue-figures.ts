// The queue in figures, for `mailroom status` and the metrics endpoint: how
// many messages each spool directory holds and how old the oldest waiting one
// is. Counts file names only (no envelope is parsed but the oldest's), so a
// scrape stays cheap with a long queue, and works with the daemon down.
import { promises as fsp } from 'node:fs';
import { MailroomError } from '../shared/errors.js';
import { parseEnvelope } from '../spool/envelope.js';
import type { QueueState, SpoolPaths } from '../spool/paths.js';
import { isQueueId, queueIdTime, type QueueId } from '../spool/queue-id.js';

export const FIGURE_STATES = ['incoming', 'deferred', 'hold', 'corrupt', 'maildrop'] as const;
export type FigureState = (typeof FIGURE_STATES)[number];

export interface QueueFigures {
  /** Messages per directory; corrupt counts damaged envelopes and refused drop files. */
  counts: Record<FigureState, number>;
  /**
   * The oldest message waiting for delivery (maildrop, incoming, deferred;
   * not hold, which waits for an administrator, nor corrupt).
   */
  oldest: { id: QueueId; state: 'maildrop' | 'incoming' | 'deferred'; createdAt: number } | null;
}

async function names(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'EACCES' || code === 'EPERM') throw new MailroomError('QUEUE_NOT_READABLE', `cannot read the queue in ${dir}: permission denied (run as root or as the spool's owner)`);
    throw err;
  }
}

/** The ids in one directory: `<id>.env` in the queue states, `<id>` in maildrop/. */
function idsOf(list: string[], suffix: string): QueueId[] {
  const out: QueueId[] = [];
  for (const n of list) {
    if (!n.endsWith(suffix)) continue;
    const id = n.slice(0, n.length - suffix.length);
    if (isQueueId(id)) out.push(id);
  }
  return out;
}

/** When a queued message arrived: its envelope's createdAt, else the time in its id. */
async function createdAtOf(paths: SpoolPaths, state: QueueState, id: QueueId): Promise<number> {
  try {
    const t = Date.parse(parseEnvelope(await fsp.readFile(paths.env(state, id), 'utf8'), id).createdAt);
    if (Number.isFinite(t)) return t;
  } catch {
    // moved or damaged meanwhile: the id still tells its arrival
  }
  return queueIdTime(id);
}

export async function readQueueFigures(paths: SpoolPaths): Promise<QueueFigures> {
  const incoming = idsOf(await names(paths.dir('incoming')), '.env');
  const deferred = idsOf(await names(paths.dir('deferred')), '.env');
  const hold = idsOf(await names(paths.dir('hold')), '.env');
  // (a drop file being written is <id>.tmp: not an id, not counted)
  const maildrop = idsOf(await names(paths.maildrop), '');
  const corrupt = (await names(paths.corrupt)).filter((n) => n.endsWith('.env') || n.startsWith('drop-')).length;
  // Ids begin with the arrival time, so the smallest id of a directory is its
  // oldest message; only that one envelope is read, for its exact createdAt.
  let oldest: QueueFigures['oldest'] = null;
  const consider = (id: QueueId | undefined, state: 'maildrop' | 'incoming' | 'deferred', createdAt: number) => {
    if (id && (!oldest || createdAt < oldest.createdAt)) oldest = { id, state, createdAt };
  };
  const first = (ids: QueueId[]) => ids.reduce<QueueId | undefined>((a, b) => (a === undefined || b < a ? b : a), undefined);
  const m = first(maildrop);
  if (m) consider(m, 'maildrop', queueIdTime(m));
  for (const [state, ids] of [['incoming', incoming], ['deferred', deferred]] as const) {
    const id = first(ids);
    if (id) consider(id, state, await createdAtOf(paths, state, id));
  }
  return { counts: { incoming: incoming.length, deferred: deferred.length, hold: hold.length, corrupt, maildrop: maildrop.length }, oldest };
}

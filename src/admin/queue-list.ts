// What `mailq`, `sendmail -bp` and `mailroom queue list` print: one entry per
// message with its recipients' states; --json as one object per message (id, sender,
// recipients with their states) for scripts.
import { constants, promises as fsp } from 'node:fs';
import { MailroomError } from '../shared/errors.js';
import { formatDuration } from '../shared/units.js';
import type { SpoolPaths } from '../spool/paths.js';
import { scanQueue, type QueueEntry } from '../spool/scan.js';

export interface QueueItemJson {
  id: string;
  state: string;
  sender: string;
  size: number;
  createdAt: string;
  nextAttemptAt: string | null;
  held: boolean;
  source: string;
  user: string | null;
  recipients: { address: string; status: string; attempts: number; lastError: string | null }[];
}

export async function readQueue(paths: SpoolPaths): Promise<{ entries: QueueEntry[]; damaged: number }> {
  try {
    // R_OK|X_OK, not mere existence: the spool root is traversable (0711) by everyone.
    await fsp.access(paths.dir('incoming'), constants.R_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new MailroomError('QUEUE_NOT_READABLE', `cannot read the queue in ${paths.root}: permission denied`);
    if (code === 'ENOENT') return { entries: [], damaged: 0 };
    throw err;
  }
  const { entries, damaged } = await scanQueue(paths);
  return { entries, damaged: damaged.length };
}

export function toJson(e: QueueEntry): QueueItemJson {
  const env = e.envelope;
  return {
    id: e.id,
    state: e.state,
    sender: env.sender,
    size: env.size,
    createdAt: env.createdAt,
    nextAttemptAt: env.nextAttemptAt,
    held: e.state === 'hold',
    source: env.source,
    user: env.user,
    recipients: env.recipients.map((r) => ({ address: r.address, status: r.status, attempts: r.attempts, lastError: r.lastError })),
  };
}

/** The human listing (Postfix mailq shape, with each recipient's state). */
export function formatQueue(entries: QueueEntry[], now = Date.now()): string {
  if (entries.length === 0) return 'Mail queue is empty\n';
  const lines = ['-Queue ID-         --Size-- --Age-- -State-- -Sender/Recipient-------'];
  let bytes = 0;
  for (const e of entries) {
    const env = e.envelope;
    bytes += env.size;
    const age = formatDuration(Math.max(0, now - Date.parse(env.createdAt)));
    const mark = e.state === 'hold' ? '!' : ' ';
    lines.push(`${e.id}${mark} ${String(env.size).padStart(8)} ${age.padStart(7)} ${e.state.padEnd(8)} <${env.sender}>`);
    for (const r of env.recipients) {
      const err = r.lastError ? ` (${r.lastError})` : '';
      lines.push(`${' '.repeat(46)}${r.address}  ${r.status}${r.attempts ? ` attempts=${r.attempts}` : ''}${err}`);
    }
  }
  const kb = Math.ceil(bytes / 1024);
  lines.push(`-- ${kb} Kbytes in ${entries.length} Request${entries.length === 1 ? '' : 's'}.`);
  return lines.join('\n') + '\n';
}

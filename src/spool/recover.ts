// Start-up recovery, run by the daemon before it accepts anything: remove
// temporary files whose writer is dead, remove message data that never got an
// envelope (its sender was never told "accepted"), and move envelopes that
// cannot be read, or whose data is missing, to corrupt/ — logged, never deleted.
// Data of another size than its envelope records is what a crash (power cut)
// before a syncfs group commit leaves (publish-syncfs.ts): that message was
// never accepted; both files go to corrupt/.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../shared/log.js';
import type { SpoolPaths } from './paths.js';
import { isQueueId, type QueueId } from './queue-id.js';
import { scanQueue } from './scan.js';
import { moveEnvelope } from './transition.js';

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function recoverSpool(paths: SpoolPaths, log: Logger): Promise<void> {
  for (const name of await fsp.readdir(paths.tmp)) {
    const pid = Number(name.split('.')[0]);
    if (pid === process.pid || !alive(pid)) {
      await fsp.rm(`${paths.tmp}/${name}`, { force: true, recursive: true });
      log.info('removed temporary file left by a crash', { file: name });
    }
  }
  const { entries, damaged } = await scanQueue(paths);
  for (const d of damaged) {
    await moveEnvelope(paths, d.id, d.state, 'corrupt');
    log.error('damaged envelope moved to corrupt/', { id: d.id, state: d.state, reason: d.reason });
  }
  const known = new Set<string>(entries.map((e) => e.id));
  for (const d of damaged) known.add(d.id);
  for (const name of await fsp.readdir(paths.corrupt)) if (name.endsWith('.env')) known.add(name.slice(0, -4));
  for (const e of entries) {
    let size: number;
    try {
      size = (await fsp.stat(paths.eml(e.id))).size;
    } catch {
      await moveEnvelope(paths, e.id, e.state, 'corrupt');
      log.error('envelope without message data moved to corrupt/', { id: e.id, state: e.state });
      continue;
    }
    if (size !== e.envelope.size) {
      await fsp.rename(paths.eml(e.id), join(paths.corrupt, `${e.id}.eml`));
      await moveEnvelope(paths, e.id, e.state, 'corrupt');
      log.error('message data of the wrong size (a crash before it was accepted) moved to corrupt/', { id: e.id, state: e.state, size, expected: e.envelope.size });
    }
  }
  for (const name of await fsp.readdir(paths.data)) {
    const id = name.replace(/\.eml$/, '');
    if (!name.endsWith('.eml') || !isQueueId(id) || known.has(id)) continue;
    await fsp.rm(paths.eml(id as QueueId), { force: true });
    log.info('removed message data without an envelope (never accepted)', { id });
  }
}

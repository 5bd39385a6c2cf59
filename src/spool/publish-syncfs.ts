// Group commit with syncfs(2). Each message is written as soon as it arrives
// (data/<id>.eml, its envelope in tmp/ renamed into incoming/), without an
// fsync; one syncfs of the spool's file system then makes everything written
// before it started durable — files, names and directories — and only then are
// those senders told "accepted". Messages that arrive during a syncfs wait for
// the next one; one is in flight at a time, so a busy spool pays one disk
// flush for a whole batch instead of two file fsyncs per message.
//
// A crash before the syncfs completes may leave an envelope in incoming/ whose
// data is short or empty: that message was never accepted (its sender got no
// 250 and tries again). The envelope records the data's size; recovery moves
// such a message to corrupt/ (recover.ts). Until its syncfs is done a message
// is "committing": the queue runner leaves it alone.
import { closeSync, constants, openSync, renameSync, rmSync } from 'node:fs';
import { spoolError } from '../shared/errors.js';
import { serializeEnvelope, type Envelope } from './envelope.js';
import { tmpName, writeAll } from './fsio.js';
import type { SpoolPaths } from './paths.js';
import type { Publisher } from './publish.js';
import type { SyncFs } from './syncfs.js';

interface Pending {
  id: Envelope['id'];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A new file (O_EXCL) with the whole buffer in it, closed; no fsync. */
function writeNewFile(path: string, data: Buffer | string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  } finally {
    closeSync(fd);
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // recovery removes what is left at the next start
  }
}

export function createSyncfsPublisher(paths: SpoolPaths, syncfs: SyncFs): Publisher {
  let dirFd: number | undefined;
  let waiting: Pending[] = [];
  let current: Promise<void> | null = null;
  const committing = new Set<string>();

  function stage(env: Envelope, content: Buffer): void {
    const eml = paths.eml(env.id);
    const tmp = tmpName(paths.tmp, `${env.id}.env`);
    writeNewFile(eml, content);
    try {
      writeNewFile(tmp, serializeEnvelope(env));
      renameSync(tmp, paths.env('incoming', env.id));
    } catch (err) {
      removeQuietly(tmp);
      removeQuietly(eml);
      throw err;
    }
  }

  function unstage(id: Envelope['id']): void {
    removeQuietly(paths.env('incoming', id));
    removeQuietly(paths.eml(id));
  }

  function kick(): void {
    if (current || waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    dirFd ??= openSync(paths.root, constants.O_RDONLY | constants.O_DIRECTORY);
    current = syncfs(dirFd)
      .then(
        () => {
          for (const p of batch) {
            committing.delete(p.id);
            p.resolve();
          }
        },
        (err: unknown) => {
          // Nothing in this batch is known to be on disk: refuse it all (451),
          // and take it back out of the queue. At worst a duplicate, never a loss.
          const e = spoolError('committing to the spool', err);
          for (const p of batch) {
            unstage(p.id);
            committing.delete(p.id);
            p.reject(e);
          }
        },
      )
      .finally(() => {
        current = null;
        kick();
      });
  }

  return {
    commit: 'syncfs',
    publish(env, content) {
      try {
        stage(env, content);
      } catch (err) {
        return Promise.reject(spoolError('writing the message to the spool', err));
      }
      committing.add(env.id);
      return new Promise<void>((resolve, reject) => {
        waiting.push({ id: env.id, resolve, reject });
        kick();
      });
    },
    committing: (id) => committing.has(id),
    async idle() {
      while (current) await current;
    },
    close() {
      if (dirFd !== undefined) closeSync(dirFd);
      dirFd = undefined;
    },
  };
}

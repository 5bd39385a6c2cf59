// Group commit with syncfs(2), in the native addon (syncfs.ts). The addon's
// committer has two threads of its own: one writes each message as it
// arrives (data/<id>.eml, then its envelope in tmp/ renamed into incoming/,
// or hold/), without an fsync; the other calls syncfs on the spool's file
// system for everything written before that syncfs started — files, names and
// directories — and only then are those senders told "accepted". Messages
// that arrive during a syncfs are written meanwhile and go into the next one,
// which starts as soon as the last returns. The event loop stays with the
// SMTP sessions; a busy spool pays one disk flush for a whole batch instead
// of two file fsyncs per message.
//
// With the spool's commit journal (journal.ts), the flusher appends a record
// of each message to it and one fdatasync of the journal makes the batch
// durable; the files follow at the next checkpoint (a syncfs), and after a
// crash of the machine the daemon writes them again from the journal.
//
// A crash before the syncfs completes may leave an envelope in incoming/ (or
// hold/) whose data is short or empty: that message was never accepted (its
// sender got no 250 and tries again). The envelope records the data's size; recovery moves
// such a message to corrupt/ (recover.ts). Until its commit is done a message
// is "committing": the queue runner's scan leaves it alone.
import { closeSync, constants, openSync, rmSync } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { spoolError } from '../shared/errors.js';
import { serializeEnvelope } from './envelope.js';
import { tmpName } from '../shared/fsio.js';
import type { SpoolPaths } from './paths.js';
import type { Publisher } from './publisher.js';
import type { CommitMessage, JournalHandle, NativeCommitter, SpoolNative } from './syncfs.js';

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // recovery removes what is left at the next start
  }
}

/** An errno from the addon as an error with node:fs's `code`, naming the message. */
function errnoError(errno: number, id: string): Error {
  let code: string;
  try {
    code = getSystemErrorName(-errno);
  } catch {
    code = `errno ${errno}`;
  }
  return Object.assign(new Error(`${code}: cannot write message ${id}`), { code, errno: -errno });
}

/** With `journal`, the publisher owns its descriptor (closed by close()). */
export function createSyncfsPublisher(paths: SpoolPaths, native: Pick<SpoolNative, 'openCommitter'>, journal?: JournalHandle): Publisher {
  let dirFd: number | undefined;
  let committer: NativeCommitter | undefined;
  const committing = new Map<string, Promise<void>>();

  async function publish(id: string, files: CommitMessage): Promise<void> {
    let errno: number;
    try {
      dirFd ??= openSync(paths.root, constants.O_RDONLY | constants.O_DIRECTORY);
      committer ??= native.openCommitter(dirFd, journal);
    } catch (err) {
      throw spoolError('committing to the spool', err);
    }
    try {
      errno = await committer.add(files);
    } catch (err) {
      // The flush failed: nothing of this batch is known to be on disk.
      // Refuse it (451) and take it back out of the queue. At worst a
      // duplicate, never a loss.
      removeQuietly(files[4]);
      removeQuietly(files[0]);
      throw spoolError('committing to the spool', err);
    }
    if (errno !== 0) throw spoolError('writing the message to the spool', errnoError(errno, id));
  }

  return {
    commit: journal ? 'journal' : 'syncfs',
    publish(env, content, state = 'incoming') {
      const files: CommitMessage = [paths.eml(env.id), content, tmpName(paths.tmp, `${env.id}.env`), Buffer.from(serializeEnvelope(env), 'utf8'), paths.env(state, env.id)];
      const done = publish(env.id, files).finally(() => committing.delete(env.id));
      committing.set(env.id, done);
      return done;
    },
    committing: (id) => committing.has(id),
    forget(id, state) {
      if (journal) committer?.forget(paths.env(state, id));
    },
    async idle() {
      while (committing.size > 0) await Promise.allSettled([...committing.values()]);
    },
    close() {
      committer?.close();
      committer = undefined;
      if (dirFd !== undefined) closeSync(dirFd);
      dirFd = undefined;
      if (journal && journal.fd >= 0) closeSync(journal.fd);
      if (journal) journal.fd = -1;
    },
  };
}

// Group commit with syncfs(2), in the native addon (syncfs.ts). Messages that
// arrive while a commit is in progress wait for the next one (group-commit.ts);
// a commit writes each of its messages (data/<id>.eml, then its envelope in
// tmp/ renamed into incoming/, or hold/), without an fsync, and then one
// syncfs of the spool's file system makes everything written before it
// started durable — files, names and directories. Only then are those senders
// told "accepted". The writes happen on the thread pool with the syncfs, so
// the event loop stays with the SMTP sessions; a busy spool pays one disk
// flush for a whole batch instead of two file fsyncs per message.
//
// A crash before the syncfs completes may leave an envelope in incoming/ (or
// hold/) whose data is short or empty: that message was never accepted (its
// sender got no 250 and tries again). The envelope records the data's size; recovery moves
// such a message to corrupt/ (recover.ts). Until its commit is done a message
// is "committing": the queue runner's scan leaves it alone.
import { closeSync, constants, openSync, rmSync } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { MailroomError, spoolError } from '../shared/errors.js';
import { serializeEnvelope, type Envelope } from './envelope.js';
import { tmpName } from './fsio.js';
import { groupCommit } from './group-commit.js';
import type { SpoolPaths } from './paths.js';
import type { Publisher, PublishState } from './publish.js';
import type { CommitMessage, SpoolNative } from './syncfs.js';

interface Pending {
  id: Envelope['id'];
  state: PublishState;
  files: CommitMessage;
  resolve: () => void;
  reject: (err: unknown) => void;
}

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

export function createSyncfsPublisher(paths: SpoolPaths, native: Pick<SpoolNative, 'commit'>): Publisher {
  let dirFd: number | undefined;
  const committing = new Set<string>();

  function unstage(p: Pending): void {
    removeQuietly(paths.env(p.state, p.id));
    removeQuietly(paths.eml(p.id));
  }

  async function commit(batch: Pending[]): Promise<void> {
    dirFd ??= openSync(paths.root, constants.O_RDONLY | constants.O_DIRECTORY);
    let errs: number[];
    try {
      errs = await native.commit(
        batch.map((p) => p.files),
        dirFd,
      );
    } catch (err) {
      // Nothing in this batch is known to be on disk: refuse it all (451),
      // and take it back out of the queue. At worst a duplicate, never a loss.
      const e = spoolError('committing to the spool', err);
      for (const p of batch) {
        unstage(p);
        committing.delete(p.id);
        p.reject(e);
      }
      return;
    }
    batch.forEach((p, i) => {
      committing.delete(p.id);
      const errno = errs[i] ?? 0;
      if (errno === 0) p.resolve();
      else p.reject(spoolError('writing the message to the spool', errnoError(errno, p.id)));
    });
  }

  const group = groupCommit(commit, (batch: Pending[], err) => {
    // Unexpected (the descriptor could not be opened): refuse the batch.
    for (const p of batch) {
      committing.delete(p.id);
      p.reject(err instanceof MailroomError ? err : spoolError('committing to the spool', err));
    }
  });

  return {
    commit: 'syncfs',
    publish(env, content, state = 'incoming') {
      committing.add(env.id);
      const files: CommitMessage = [paths.eml(env.id), content, tmpName(paths.tmp, `${env.id}.env`), Buffer.from(serializeEnvelope(env), 'utf8'), paths.env(state, env.id)];
      return new Promise<void>((resolve, reject) => group.add({ id: env.id, state, files, resolve, reject }));
    },
    committing: (id) => committing.has(id),
    idle: () => group.idle(),
    close() {
      if (dirFd !== undefined) closeSync(dirFd);
      dirFd = undefined;
    },
  };
}

// The one way a message becomes part of the queue. Where the native syncfs
// addon is built (Linux), a batch is committed with one syncfs
// (publish-syncfs.ts); otherwise, as here, with an fsync per file and
// directory. The message is written as
// data/<id>.eml (a new name, O_EXCL) and its envelope to tmp/, both fsynced;
// then the envelope is renamed into incoming/ and data/ and incoming/ are
// fsynced together. Only then is the caller told "accepted". Scanners look
// only at envelopes, so data without an envelope is never seen (and is removed
// at the next start); an envelope is never renamed before its data is fsynced.
// Concurrent publishes are committed as a group: one pair of directory fsyncs
// for the whole batch (group commit), never fewer file fsyncs. Two rounds of
// fsyncs per batch: the files, then the two directories.
import { promises as fsp } from 'node:fs';
import { spoolError } from '../shared/errors.js';
import { serializeEnvelope, type Envelope } from './envelope.js';
import { fsyncDir, tmpName, writeFileSynced } from '../shared/fsio.js';
import { groupCommit } from './group-commit.js';
import type { SpoolPaths } from './paths.js';
import { createSyncfsPublisher } from './publish-syncfs.js';
import type { Publisher, PublishState } from './publisher.js';
import { loadSpoolNative, type JournalHandle } from './syncfs.js';

export type { Publisher, PublishState };

interface Pending {
  env: Envelope;
  content: Buffer;
  state: PublishState;
  resolve: () => void;
  reject: (err: unknown) => void;
  eml?: string;
  tmpEnv?: string;
}

/**
 * The syncfs publisher where the addon is there (unless `commit` says fsync),
 * with the commit journal if one is given (journal.ts); else the fsync one.
 */
export function createPublisher(paths: SpoolPaths, commit: 'auto' | 'fsync' = 'auto', journal?: JournalHandle): Publisher {
  const native = commit === 'auto' ? loadSpoolNative() : undefined;
  return native ? createSyncfsPublisher(paths, native, journal) : createFsyncPublisher(paths);
}

export function createFsyncPublisher(paths: SpoolPaths): Publisher {
  async function stage(p: Pending): Promise<void> {
    p.eml = paths.eml(p.env.id);
    p.tmpEnv = tmpName(paths.tmp, `${p.env.id}.env`);
    await Promise.all([writeFileSynced(p.eml, p.content), writeFileSynced(p.tmpEnv, serializeEnvelope(p.env))]);
  }

  // Never throws: a failed clean-up must not turn one refused message into a
  // hung client or a dead daemon (rm on tmp/ that is no longer a directory gives
  // ENOTDIR). What is left is removed by recovery at the next start.
  async function removeQuietly(file: string): Promise<void> {
    await fsp.rm(file, { force: true }).catch(() => undefined);
  }

  async function cleanup(p: Pending): Promise<void> {
    await Promise.all([p.eml, p.tmpEnv].map((f) => (f ? removeQuietly(f) : undefined)));
  }

  async function commit(batch: Pending[]): Promise<void> {
    const staged: Pending[] = [];
    await Promise.all(
      batch.map(async (p) => {
        try {
          await stage(p);
          staged.push(p);
        } catch (err) {
          await cleanup(p);
          p.reject(spoolError('writing the message to the spool', err));
        }
      }),
    );
    if (staged.length === 0) return;
    try {
      await Promise.all(staged.map((p) => fsp.rename(p.tmpEnv!, paths.env(p.state, p.env.id))));
      await Promise.all([fsyncDir(paths.data), ...[...new Set(staged.map((p) => p.state))].map((st) => fsyncDir(paths.dir(st)))]);
    } catch (err) {
      // A batch that failed half-way may leave visible messages whose senders are
      // told to retry: at worst a duplicate, never a loss.
      await Promise.all(
        staged.map(async (p) => {
          // Data whose envelope did not land was never accepted: do not leave it in data/.
          const landed = await fsp.access(paths.env(p.state, p.env.id)).then(() => true, () => false);
          if (landed) await removeQuietly(p.tmpEnv!);
          else await cleanup(p);
        }),
      );
      const e = spoolError('committing to the spool', err);
      for (const p of staged) p.reject(e);
      return;
    }
    for (const p of staged) p.resolve();
  }

  const group = groupCommit(commit, (batch: Pending[], err) => {
    // Unexpected: refuse the whole batch (already settled promises ignore this).
    for (const p of batch) p.reject(spoolError('committing to the spool', err));
  });

  return {
    commit: 'fsync',
    publish(env, content, state = 'incoming') {
      return new Promise<void>((resolve, reject) => group.add({ env, content, state, resolve, reject }));
    },
    // Its envelope reaches incoming/ only after its data is durable.
    committing: () => false,
    forget() {},
    idle: () => group.idle(),
    close() {},
  };
}

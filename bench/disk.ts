// The disk's ceiling for durable commits on the spool's file system: the
// create+write+fsync+rename+dir-fsync rate with one writer, and with several
// writers at once (worker threads, so the fsyncs really overlap); and the rates
// of the addon's commits: a syncfs per batch, and the commit journal the
// daemon uses (records and one fdatasync per batch, checkpoints as it makes them).
import { closeSync, constants, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { runDiskLoop, type LoopArgs } from './disk-loop.js';
import { loadSpoolNative, type CommitMessage } from '../src/spool/syncfs.js';
import { openJournal } from '../src/spool/journal.js';
import { ensureSpool } from '../src/spool/layout.js';
import { spoolPaths } from '../src/spool/paths.js';
import { createLogger } from '../src/shared/log.js';
import { since } from './stats.js';

export interface DiskResult {
  writers: number;
  ops: number;
  ms: number;
}

function prepare(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  mkdirSync(join(dir, 'out'), { recursive: true });
}

const SIZE = 1200;

export function measureDiskSingle(dir: string, count: number, budgetMs: number): DiskResult {
  prepare(dir);
  const t0 = performance.now();
  const ops = runDiskLoop({ dir, tag: 'w0', count, budgetMs, size: SIZE });
  const ms = since(t0);
  rmSync(dir, { recursive: true, force: true });
  return { writers: 1, ops, ms };
}

export async function measureDiskConcurrent(dir: string, count: number, writers: number, budgetMs: number): Promise<DiskResult> {
  prepare(dir);
  const each = Math.ceil(count / writers);
  const workerFile = new URL('./disk-loop.js', import.meta.url);
  const workers = Array.from({ length: writers }, (_, w) => {
    const args: LoopArgs = { dir, tag: `w${w}`, count: each, budgetMs, size: SIZE };
    return new Worker(workerFile, { workerData: { diskLoop: args } });
  });
  await Promise.all(workers.map((w) => new Promise((r) => w.once('online', r))));
  const t0 = performance.now();
  const done = await Promise.all(
    workers.map(
      (worker) =>
        new Promise<number>((resolve, reject) => {
          worker.once('message', (n: number) => resolve(n));
          worker.once('error', reject);
          worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`disk worker exited ${code}`))));
          worker.postMessage('go');
        }),
    ),
  );
  const ms = since(t0);
  await Promise.all(workers.map((w) => w.terminate()));
  rmSync(dir, { recursive: true, force: true });
  return { writers, ops: done.reduce((a, b) => a + b, 0), ms };
}

/**
 * The ceiling of the spool's syncfs group commit: batches of `batch` messages,
 * each a new data file and a new envelope renamed into place (no fsync), then
 * one syncfs for the batch — the addon's commit, as the daemon calls it, without
 * SMTP. Undefined when the syncfs addon is not built.
 */
export async function measureDiskGroup(dir: string, count: number, batch: number, budgetMs: number): Promise<DiskResult | undefined> {
  const native = loadSpoolNative();
  if (!native) return undefined;
  prepare(dir);
  const data = Buffer.alloc(SIZE, 'x');
  const env = Buffer.alloc(400, 'e');
  const dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  const t0 = performance.now();
  let n = 0;
  try {
    while (n < count && since(t0) < budgetMs) {
      const messages: CommitMessage[] = [];
      for (; messages.length < batch && n < count; n++) messages.push([join(dir, 'out', `${n}.eml`), data, join(dir, 'tmp', `${n}.env`), env, join(dir, 'out', `${n}.env`)]);
      const errs = await native.commit(messages, dirFd);
      if (errs.some((e) => e !== 0)) throw new Error(`group commit: errno ${errs.find((e) => e !== 0)}`);
    }
  } finally {
    closeSync(dirFd);
  }
  const ms = since(t0);
  rmSync(dir, { recursive: true, force: true });
  return { writers: batch, ops: n, ms };
}

/**
 * The ceiling of the daemon's commit: the addon's committer with the spool's
 * commit journal, `batch` messages in flight at a time (each a new data file
 * and a new envelope renamed into place, and a record in the journal), one
 * fdatasync of the journal per batch, and the checkpoints the committer makes
 * (syncfs, every 2 s or when the journal is full) — without SMTP.
 */
export async function measureDiskJournal(dir: string, count: number, batch: number, budgetMs: number): Promise<DiskResult | undefined> {
  const native = loadSpoolNative();
  if (!native) return undefined;
  rmSync(dir, { recursive: true, force: true });
  const paths = spoolPaths(dir);
  await ensureSpool(paths);
  const journal = await openJournal(paths, native, createLogger('error', () => undefined));
  if (!journal) return undefined;
  const data = Buffer.alloc(SIZE, 'x');
  const env = Buffer.alloc(400, 'e');
  const dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  const committer = native.openCommitter(dirFd, journal);
  const t0 = performance.now();
  let n = 0;
  try {
    while (n < count && since(t0) < budgetMs) {
      const adds: Promise<number>[] = [];
      for (; adds.length < batch && n < count; n++) adds.push(committer.add([join(paths.data, `${n}.eml`), data, join(paths.tmp, `${n}.env`), env, join(dir, 'incoming', `${n}.env`)]));
      const errs = await Promise.all(adds);
      if (errs.some((e) => e !== 0)) throw new Error(`journal commit: errno ${errs.find((e) => e !== 0)}`);
    }
  } finally {
    committer.close();
    closeSync(dirFd);
    closeSync(journal.fd);
  }
  const ms = since(t0);
  rmSync(dir, { recursive: true, force: true });
  return { writers: batch, ops: n, ms };
}

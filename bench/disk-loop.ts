// The unit of work a spool commit cannot avoid: create a file, write it, fsync
// it, rename it into another directory, fsync that directory. Runs in the main
// thread for one writer, and in worker threads for concurrent writers (each
// worker runs this file with workerData).
import { closeSync, constants, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

export interface LoopArgs {
  dir: string;
  tag: string;
  count: number;
  budgetMs: number;
  size: number;
}

/** Runs up to `count` commits (stopping at budgetMs); returns how many were done. */
export function runDiskLoop(a: LoopArgs): number {
  const data = Buffer.alloc(a.size, 'x');
  const tmpDir = join(a.dir, 'tmp');
  const outDir = join(a.dir, 'out');
  const until = performance.now() + a.budgetMs;
  let i = 0;
  for (; i < a.count && performance.now() < until; i++) {
    const tmp = join(tmpDir, `${a.tag}.${i}`);
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(outDir, `${a.tag}.${i}`));
    const dfd = openSync(outDir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }
  return i;
}

// As a worker: wait for "go" so that thread start-up stays out of the timing.
if (!isMainThread && (workerData as { diskLoop?: LoopArgs } | null)?.diskLoop) {
  parentPort!.once('message', () => parentPort!.postMessage(runDiskLoop((workerData as { diskLoop: LoopArgs }).diskLoop)));
}

// The disk's ceiling for durable commits on the spool's file system: the
// create+write+fsync+rename+dir-fsync rate with one writer, and with several
// writers at once (worker threads, so the fsyncs really overlap).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { runDiskLoop, type LoopArgs } from './disk-loop.js';
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

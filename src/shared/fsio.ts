// Durable file primitives: write + fsync, directory fsync, atomic replace.
// A rename is only durable once the directory holding it is fsynced.
// Creating a file (open with O_CREAT) may wait for a journal commit in
// progress, and an fsync waits for the disk: both go through the thread pool.
// Writing into the page cache and closing are done inline: on a busy daemon
// each thread-pool round trip costs more than those calls themselves.
import { closeSync, constants, fsync, open, promises as fsp, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { promisify } from 'node:util';

/** fsync(2) and open(2) through the thread pool, on plain descriptors. */
export const fsyncFd = promisify(fsync);
export const openFd = promisify(open);

/** Writes the whole buffer at the descriptor's offset (into the page cache). */
export function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
}

/** Writes a new file (O_EXCL) and fsyncs it before closing. */
export async function writeFileSynced(path: string, data: Buffer | string, mode = 0o600): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = await openFd(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    writeAll(fd, buf);
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const fd = await openFd(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

let tmpSeq = 0;
/** A temporary name that records the writer's pid, so recovery knows when it is stale. */
export function tmpName(tmpDir: string, tag: string): string {
  return join(tmpDir, `${process.pid}.${Date.now().toString(36)}.${(tmpSeq++).toString(36)}.${tag}`);
}

/** Replaces `path` atomically: write a temporary file in `tmpDir`, fsync, rename, fsync the directory. */
export async function replaceFileAtomic(path: string, data: Buffer | string, tmpDir: string = dirname(path), mode = 0o600): Promise<void> {
  const tmp = tmpName(tmpDir, basename(path));
  try {
    await writeFileSynced(tmp, data, mode);
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
}

// The spool's commit journal (native/syncfs/journal.h; FORMAT.md, "Commit
// journal"): <spool>/journal, a file of fixed size written in full when it is
// created. The addon's committer appends a record of each message (its
// envelope's name, the envelope, the data) and makes a batch durable with one
// fdatasync of it; the message's files are written as before but made durable
// later, by a checkpoint (syncfs), which then empties the journal.
//
// At start the daemon opens it here. If the header says it was written in
// another boot of the machine, the records of its generation may describe
// messages whose files a crash lost or left short: each is written again
// (replay). A process that was killed in this boot lost nothing (its writes
// are in the kernel's cache) and nothing is replayed. Then a checkpoint and a
// new generation: the journal is empty when the daemon starts accepting.
//
// A message the runner removed (delivered, or bounced), or an administrator
// deleted (`forget` on the control socket), before the next checkpoint has a
// removal record after its own, and is not brought back. What replay cannot
// tell apart: a removal whose record did not reach the disk though the
// removal did: that message comes back and is delivered once more, the
// duplicate that any lost removal means to an MTA, never a loss.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, fdatasyncSync, fstatSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { spoolError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { parseEnvelope } from './envelope.js';
import { fsyncDir, fsyncFd, tmpName } from '../shared/fsio.js';
import { currentBootId, decodeHeader, decodeRecords, encodeHeader, JOURNAL_START, type JournalRecord } from './journal-format.js';
import { QUEUE_STATES, type QueueState, type SpoolPaths } from './paths.js';
import { isQueueId, type QueueId } from './queue-id.js';
import type { JournalHandle, SpoolNative } from './syncfs.js';

export type { JournalHandle };

/** 8 MiB: about 6,000 messages of 1 KB between two checkpoints. */
export const JOURNAL_SIZE = 8 * 1024 * 1024;

export function journalPath(paths: SpoolPaths): string {
  return join(paths.root, 'journal');
}

/** Writes zeros from the file's end up to JOURNAL_SIZE (so appends never allocate); no fsync. */
function zeroFill(fd: number): void {
  const zeros = Buffer.alloc(1024 * 1024);
  for (let off = fstatSync(fd).size; off < JOURNAL_SIZE; ) off += writeSync(fd, zeros, 0, Math.min(zeros.length, JOURNAL_SIZE - off), off);
}

/** A new journal: zeros in full, an empty generation 0. */
async function createJournal(paths: SpoolPaths, bootId: string): Promise<number> {
  const tmp = tmpName(paths.tmp, 'journal');
  const fd = openSync(tmp, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    zeroFill(fd);
    writeSync(fd, encodeHeader({ generation: 0, bootId }), 0, undefined, 0);
    await fsyncFd(fd);
    renameSync(tmp, journalPath(paths));
    await fsyncDir(paths.root);
    return fd;
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}

function sameBytes(path: string, want: Buffer): boolean {
  try {
    return readFileSync(path).equals(want);
  } catch {
    return false;
  }
}

function readableEnvelope(path: string, id: QueueId): boolean {
  try {
    parseEnvelope(readFileSync(path, 'utf8'), id);
    return true;
  } catch {
    return false;
  }
}

/** A record's state and queue id, from its name ("incoming/<id>.env"). */
function named(r: JournalRecord): { state: QueueState; id: QueueId } | undefined {
  const [state, file] = r.name.split('/') as [QueueState, string | undefined];
  const id = file?.replace(/\.env$/, '');
  return QUEUE_STATES.includes(state) && id !== undefined && isQueueId(id) ? { state, id } : undefined;
}

/** Writes (without fsync) what the crash may have lost of one record's message; true if anything. */
function restore(paths: SpoolPaths, r: JournalRecord): boolean {
  const n = named(r);
  if (!n) return false;
  const { state, id } = n;
  if (existsSync(paths.env('corrupt', id))) return false;
  const found = QUEUE_STATES.find((s) => existsSync(paths.env(s, id)));
  let wrote = false;
  if (!sameBytes(paths.eml(id), r.data)) {
    writeFileSync(paths.eml(id), r.data, { mode: 0o600 });
    wrote = true;
  }
  // A readable envelope may be the runner's later one (rewritten, moved): kept.
  const where = found ?? state;
  if (found === undefined || !readableEnvelope(paths.env(found, id), id)) {
    const tmp = tmpName(paths.tmp, `${id}.env`);
    writeFileSync(tmp, r.envelope, { mode: 0o600 });
    renameSync(tmp, paths.env(where, id));
    wrote = true;
  }
  return wrote;
}

/** A journal shorter than JOURNAL_SIZE (cut short by hand) is filled out with zeros. */
async function fillOut(fd: number): Promise<void> {
  if (fstatSync(fd).size >= JOURNAL_SIZE) return;
  zeroFill(fd);
  await fsyncFd(fd);
}

function readWhole(fd: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let off = 0; off < size; ) {
    const n = readSync(fd, b, off, size - off, off);
    if (n === 0) return b.subarray(0, off);
    off += n;
  }
  return b;
}

/** Replays the journal if it was written in another boot; returns its generation. */
function replayIfRebooted(paths: SpoolPaths, fd: number, log: Logger): number {
  const size = fstatSync(fd).size;
  const head = decodeHeader(readWhole(fd, Math.min(size, JOURNAL_START)));
  if (!head) {
    // Torn while a checkpoint wrote it: every earlier record's files were
    // durable by then, and no later record was acknowledged. The next
    // generation must be one no old record has: the clock's milliseconds.
    log.warn('commit journal header unreadable (a crash while it was written): nothing to replay', { file: journalPath(paths) });
    return Date.now();
  }
  if (head.bootId === currentBootId() && head.bootId !== '') return head.generation;
  const records = decodeRecords(readWhole(fd, size), head.generation);
  // A record with an empty envelope: the message left the queue (committer.c's forget).
  const removed = new Set(records.filter((r) => r.envelope.length === 0).map((r) => named(r)?.id));
  const messages = records.filter((r) => r.envelope.length > 0);
  let restored = 0;
  for (const r of messages) if (!removed.has(named(r)?.id) && restore(paths, r)) restored++;
  log.info('commit journal replayed after a restart of the machine', { records: messages.length, restored, removed: removed.size });
  return head.generation;
}

/**
 * Opens the spool's journal for the committer: replays it if it was written
 * in another boot, makes everything in the spool durable, and starts a new,
 * empty generation. Without the addon there is no journal: one left behind is
 * replayed, synced with sync(2) and removed. A journal that cannot be created
 * (a full disk) is done without: batches are then committed with syncfs.
 */
export async function openJournal(paths: SpoolPaths, native: Pick<SpoolNative, 'syncfs'> | undefined, log: Logger): Promise<JournalHandle | undefined> {
  const bootId = currentBootId();
  let fd: number;
  try {
    fd = openSync(journalPath(paths), constants.O_RDWR);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw spoolError('opening the commit journal', err);
    if (!native) return undefined;
    try {
      fd = await createJournal(paths, bootId);
    } catch (e) {
      // No journal yet means nothing to replay: commit with syncfs alone.
      log.warn('cannot create the commit journal: committing with syncfs alone', { file: journalPath(paths), error: (e as Error).message });
      return undefined;
    }
  }
  try {
    const generation = replayIfRebooted(paths, fd, log);
    if (!native) {
      spawnSync('sync');
      rmSync(journalPath(paths));
      await fsyncDir(paths.root);
      closeSync(fd);
      return undefined;
    }
    await fillOut(fd);
    const dirFd = openSync(paths.root, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await native.syncfs(dirFd);
    } finally {
      closeSync(dirFd);
    }
    const next = { generation: generation + 1, bootId };
    writeSync(fd, encodeHeader(next), 0, undefined, 0);
    fdatasyncSync(fd);
    return { fd, capacity: fstatSync(fd).size, ...next };
  } catch (err) {
    closeSync(fd);
    throw spoolError('opening the commit journal', err);
  }
}

// The lock of one folder's index: a promise chain orders the sessions of this
// process, and proper-lockfile (a directory `mailroom-uidlist.lock`, taken
// over when a killed holder leaves it stale) orders processes, so two of
// them can never hand out the same UID or lose each other's changes.
import lockfile from 'proper-lockfile';
import { MailroomError } from '../shared/errors.js';

// A holder refreshes the lock every STALE_MS / 2; one left by a killed
// process is taken over after STALE_MS.
const STALE_MS = 10_000;

export class FolderLock {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly waitMs = 15_000,
  ) {}

  /** Runs `fn` holding the lock; waits for the holders before it. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.local(() => this.locked(fn));
  }

  /**
   * Runs `fn` in turn with this process's other holders only: for reading
   * the index, which must not meet a write of this process half done.
   */
  local<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(this.file, {
        lockfilePath: `${this.file}.lock`,
        realpath: false,
        stale: STALE_MS,
        retries: { retries: Math.ceil(this.waitMs / 50), factor: 1, minTimeout: 20, maxTimeout: 50, randomize: true },
        onCompromised: () => {
          /* every write is an append or an atomic rename: keep going */
        },
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOCKED') throw new MailroomError('MAILBOX_BUSY', 'the mailbox is busy; try again', { cause: err });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MailroomError('MAILBOX_NOT_FOUND', 'the mailbox no longer exists', { cause: err });
      throw err;
    }
    try {
      return await fn();
    } finally {
      await release().catch(() => undefined);
    }
  }
}

// The spool's group commit in the optional native addon in native/syncfs
// (built by npm at install on Linux; Node has no binding for syncfs(2), nor
// for threads that block in it without the event loop's help).
// Without it the spool commits with an fsync per file and directory
// (publish.ts).
import { nativeAddon } from '../shared/native-addon.js';

/** What the addon's committer needs to append to the commit journal (journal.ts opens it; openCommitter is given it). */
export interface JournalHandle {
  fd: number;
  generation: number;
  capacity: number;
  bootId: string;
}

/** [data path, data, tmp/ envelope path, envelope, final envelope path] */
export type CommitMessage = [string, Buffer, string, Buffer, string];

export interface SpoolNative {
  /** Resolves once every dirty page and inode of fd's file system is on stable storage (syncfs, then a flush). */
  syncfs(fd: number): Promise<void>;
  /**
   * On the thread pool: writes each message (data, then its envelope renamed
   * into place; a message that fails is undone), then one syncfs of fd's file
   * system. One errno per message, 0 when it is written and durable; rejects
   * when the syncfs fails.
   */
  commit(messages: CommitMessage[], fd: number): Promise<number[]>;
  /**
   * The daemon's way: a writer and a flusher thread of the addon's own that
   * commit messages as they arrive (one flush for everything written while
   * the previous one ran): records in the journal and one fdatasync of it,
   * or without a journal one syncfs.
   */
  openCommitter(fd: number, journal?: JournalHandle): NativeCommitter;
  /** The uid, gid and pid at the other end of a connected Unix socket (SO_PEERCRED); absent in an older build. */
  getpeercred?(fd: number): { pid: number; uid: number; gid: number };
}

export interface NativeCommitter {
  /**
   * Resolves with 0 once the message is written and durable, or with the
   * errno of the write that failed (its files are removed then); rejects when
   * the syncfs that was to make it durable failed.
   */
  add(message: CommitMessage): Promise<number>;
  /**
   * The message whose envelope was envPath has left the queue: a removal
   * record in the journal, so that a replay does not bring it back.
   */
  forget(envPath: string): void;
  /** Commits what was added and stops the threads. */
  close(): void;
}

export function loadSpoolNative(): SpoolNative | undefined {
  return nativeAddon() as SpoolNative | undefined;
}

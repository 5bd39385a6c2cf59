// The spool's group commit in the optional native addon in native/syncfs
// (built by npm at install on Linux; Node has no binding for syncfs(2)).
// Without it the spool commits with an fsync per file and directory
// (publish.ts).
import { createRequire } from 'node:module';

/** [data path, data, tmp/ envelope path, envelope, final envelope path] */
export type CommitMessage = [string, Buffer, string, Buffer, string];

export interface SpoolNative {
  /** Resolves once every dirty page and inode of fd's file system is on stable storage. */
  syncfs(fd: number): Promise<void>;
  /**
   * On the thread pool: writes each message (data, then its envelope renamed
   * into place; a message that fails is undone), then one syncfs of fd's file
   * system. One errno per message, 0 when it is written and durable; rejects
   * when the syncfs fails.
   */
  commit(messages: CommitMessage[], fd: number): Promise<number[]>;
}

let loaded: SpoolNative | null | undefined;

export function loadSpoolNative(): SpoolNative | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('mailroom-syncfs') as SpoolNative;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

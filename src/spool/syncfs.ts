// syncfs(2) through the optional native addon in native/syncfs (built by npm
// at install on Linux; Node has no binding for it). Without it the spool
// commits with an fsync per file and directory (publish.ts).
import { createRequire } from 'node:module';

/** Resolves once every dirty page and inode of fd's file system is on stable storage. */
export type SyncFs = (fd: number) => Promise<void>;

let loaded: SyncFs | null | undefined;

export function loadSyncfs(): SyncFs | undefined {
  if (loaded === undefined) {
    try {
      loaded = (createRequire(import.meta.url)('mailroom-syncfs') as { syncfs: SyncFs }).syncfs;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

// The Maildir++ implementation of the folder store (contracts in folders.ts).
// Placeholder until the implementation lands.
import type { UserStore } from './folders.js';

export interface FolderStoreOptions {
  /** Folders created with their special-use attribute when a user's store is first opened. */
  specialUse?: boolean;
}

/** The folder store of one user's Maildir under `local.mailboxes`. */
export function openUserStore(mailboxes: string, user: string, opts: FolderStoreOptions = {}): UserStore {
  throw new Error(`not implemented yet: ${mailboxes} ${user} ${JSON.stringify(opts)}`);
}

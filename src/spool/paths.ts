// The spool layout (documented in man/mailroom-spool.5 and spool/FORMAT.md).
// Directories are states; a message is data/<id>.eml (immutable) plus one
// <state>/<id>.env (its envelope), and the directory the .env is in is its state.
import { join } from 'node:path';
import type { QueueId } from './queue-id.js';

export const QUEUE_STATES = ['incoming', 'deferred', 'hold'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];
export type EnvelopeDir = QueueState | 'corrupt';

export interface SpoolPaths {
  root: string;
  maildrop: string;
  tmp: string;
  data: string;
  locks: string;
  corrupt: string;
  dir(state: EnvelopeDir): string;
  eml(id: QueueId): string;
  env(state: EnvelopeDir, id: QueueId): string;
  lock(id: QueueId): string;
}

export function spoolPaths(root: string): SpoolPaths {
  return {
    root,
    maildrop: join(root, 'maildrop'),
    tmp: join(root, 'tmp'),
    data: join(root, 'data'),
    locks: join(root, 'locks'),
    corrupt: join(root, 'corrupt'),
    dir: (state) => join(root, state),
    eml: (id) => join(root, 'data', `${id}.eml`),
    env: (state, id) => join(root, state, `${id}.env`),
    lock: (id) => join(root, 'locks', `${id}.lock`),
  };
}

/** Modes of the spool directories: the root is traversable but not listable. */
export const SPOOL_MODES: Record<string, number> = {
  root: 0o711,
  maildrop: 0o1733,
  private: 0o700,
};

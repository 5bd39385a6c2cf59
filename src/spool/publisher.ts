// The contract of a publisher, the one way a message enters the queue: what
// the fsync publisher (publish.ts) and the syncfs one (publish-syncfs.ts) both
// implement, and what submission, pickup and bounces are given. Types only.
import type { Envelope } from './envelope.js';
import type { EnvelopeDir } from './paths.js';
import type { QueueId } from './queue-id.js';

/** Where a new message's envelope goes: incoming/, or hold/ when it is to be held from the start. */
export type PublishState = 'incoming' | 'hold';

export interface Publisher {
  /** How a batch is made durable: one fdatasync of the journal, one syncfs, or an fsync per file and directory. */
  readonly commit: 'journal' | 'syncfs' | 'fsync';
  /** Resolves once the message is durably in incoming/ (or `state`). */
  publish(env: Envelope, content: Buffer, state?: PublishState): Promise<void>;
  /** True while the message is in the queue but not yet durable (not to be touched). */
  committing(id: string): boolean;
  /**
   * The message has left the queue (its files are removed): with the commit
   * journal, a record of it, so that a replay after a crash of the machine
   * does not deliver it again. Nothing to do for the other commits.
   */
  forget(id: QueueId, state: EnvelopeDir): void;
  /** Resolves when nothing is being committed. */
  idle(): Promise<void>;
  close(): void;
}

// Administrator actions on one queued message: hold, release, delete, show.
// Each takes the message's lock (the daemon's runner skips locked messages),
// waits until the runner is not working on it (over the control socket, when
// a daemon runs), and changes its state with one atomic rename (after, for
// hold and release, one atomic rewrite of the envelope in place).
import { promises as fsp } from 'node:fs';
import { askDaemon, SETTLE_WAIT_MS } from '../shared/control.js';
import { MailroomError } from '../shared/errors.js';
import { claim } from '../spool/claim.js';
import type { Envelope } from '../spool/envelope.js';
import type { SpoolPaths } from '../spool/paths.js';
import { isQueueId, type QueueId } from '../spool/queue-id.js';
import { mustLocate, moveEnvelope, removeMessage, rewriteEnvelope, type Located } from '../spool/transition.js';

export function checkId(id: string): QueueId {
  if (!isQueueId(id)) throw new MailroomError('BAD_QUEUE_ID', `${JSON.stringify(id)} is not a queue id`);
  return id;
}

/** With the lock held: returns once the daemon's runner (if a daemon runs) is not working on the message. */
async function waitForRunner(control: string, id: QueueId): Promise<void> {
  const r = await askDaemon(control, `settle ${id}`, SETTLE_WAIT_MS + 1000); // the daemon answers first
  if (r.kind === 'absent' || (r.kind === 'answer' && r.text === 'idle')) return;
  const why = r.kind === 'answer' && r.text.startsWith('error') ? ` (daemon: ${r.text})` : '';
  throw new MailroomError('QUEUE_BUSY', `message ${id} is busy (being delivered); try again${why}`);
}

async function withClaim<T>(paths: SpoolPaths, control: string, id: QueueId, fn: (found: Located) => Promise<T>): Promise<T> {
  await mustLocate(paths, id);
  const release = await claim(paths, id);
  try {
    await waitForRunner(control, id);
    return await fn(await mustLocate(paths, id));
  } finally {
    await release();
  }
}

export async function holdMessage(paths: SpoolPaths, control: string, id: QueueId): Promise<string> {
  return withClaim(paths, control, id, async ({ state, envelope }) => {
    if (state === 'hold') return `${id}: already held`;
    if (envelope.release) {
      // A hold takes back an earlier release, so that relay.mode hold keeps
      // the message from now on. Rewritten before the move: a crash between
      // the two leaves it queued unreleased, which relay.mode hold holds anyway.
      const { release: _release, ...rest } = envelope;
      await rewriteEnvelope(paths, state, rest);
    }
    await moveEnvelope(paths, id, state, 'hold');
    return `${id}: held`;
  });
}

export interface ReleaseOptions {
  /** Login name of the administrator, recorded in the envelope and logged by the daemon. */
  by: string;
  /** Why this message cannot be sent on (relay.mode hold with nowhere to send it); undefined when it can. */
  refuse?: (env: Envelope) => string | undefined;
  now?: () => number;
}

export async function releaseMessage(paths: SpoolPaths, control: string, id: QueueId, opts: ReleaseOptions): Promise<string> {
  return withClaim(paths, control, id, async ({ state, envelope }) => {
    if (state !== 'hold') return `${id}: not held`;
    const why = opts.refuse?.(envelope);
    if (why) throw new MailroomError('RELEASE_UNAVAILABLE', `${id}: not released, still held: ${why} (list smart hosts in relay.smarthosts, or set relay.mx to send by MX)`);
    // Released mail is due now, and the release is recorded so that the runner
    // sends it on under relay.mode hold instead of holding it again. The
    // rewrite comes first: a crash before the move leaves it held (released
    // again by hand), never queued without its release.
    const at = new Date((opts.now ?? Date.now)()).toISOString();
    await rewriteEnvelope(paths, 'hold', { ...envelope, nextAttemptAt: null, release: { by: opts.by, at } });
    await moveEnvelope(paths, id, 'hold', 'deferred');
    return `${id}: released`;
  });
}

export async function deleteMessage(paths: SpoolPaths, control: string, id: QueueId): Promise<string> {
  return withClaim(paths, control, id, async ({ state }) => {
    await removeMessage(paths, id, state);
    // A running daemon records the removal in its commit journal, so that a
    // replay after a crash of the machine does not bring the message back.
    // Without a daemon the journal holds no records: nothing to tell.
    await askDaemon(control, `forget ${id} ${state}`, 2000);
    return `${id}: removed`;
  });
}

/** The header section (or the whole message) of a queued message. */
export async function readMessageText(paths: SpoolPaths, id: QueueId, body: boolean): Promise<string> {
  const data = await fsp.readFile(paths.eml(id));
  if (body) return data.toString('utf8');
  const end = data.indexOf('\r\n\r\n');
  return data.subarray(0, end < 0 ? data.length : end + 2).toString('utf8');
}

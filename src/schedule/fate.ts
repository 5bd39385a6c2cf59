// What happens to a message, decided without touching anything: before an
// attempt, whether it is due; after one, from its recipients' results, whether
// it is held, removed, expired or deferred (until when, with a delay warning
// or not), and which recipients bounce. Pure: the clock is an argument, so the
// retry schedule and expiry are tested without waiting (the runner acts on it).
import type { Config } from '../config/load.js';
import { NO_RELEASE_ROUTE } from '../relay/release-route.js';
import { formatDuration } from '../shared/units.js';
import { isFinished, type Envelope, type Recipient } from '../spool/envelope.js';

/**
 * What one attempt did to each recipient, by position in the envelope's
 * recipients (after alias expansion); undefined: not tried in this attempt.
 * 'failed' marks the failures this attempt reports (they bounce); 'held': a
 * remote recipient kept back by relay.mode hold.
 */
export type RecipientResult = 'delivered' | 'deferred' | 'failed' | 'held';
export type AttemptResults = readonly (RecipientResult | undefined)[];

export type FateConfig = { relay: Pick<Config['relay'], 'retry' | 'maxAge' | 'delayWarning'> };

/** Every fate after an attempt starts with a DSN for the recipients that failed in it (when any). */
interface AfterAttempt {
  bounce: Recipient[];
}

/** Before an attempt. */
export type Readiness =
  /** Due (or never tried): attempt delivery now. */
  | { kind: 'deliver' }
  /** Not due yet ("defer until"): look again at `until` (ms since the epoch). */
  | { kind: 'wait'; until: number };

/** After an attempt. */
export type Outcome =
  /**
   * relay.mode hold kept `held` remote recipients back: move to hold/. `clear`:
   * the envelope's retry time or release must be cleared first (a release it
   * had no route for is spent); `reason` for the log line.
   */
  | (AfterAttempt & { kind: 'hold'; held: number; reason: string; clear: boolean })
  /** No recipient left to try: remove the message. */
  | (AfterAttempt & { kind: 'remove' })
  /** Older than relay.maxAge: the recipients left fail with these reasons, bounce, and the message goes. */
  | (AfterAttempt & { kind: 'expire'; age: number; expired: { recipient: Recipient; lastError: string }[] })
  /**
   * Try `retry` again at `until` (`wait` after now; `attempt`: the most any of
   * them was tried); `warn`: send the one delay warning DSN about them now.
   */
  | (AfterAttempt & { kind: 'defer'; retry: Recipient[]; until: number; wait: number; attempt: number; warn: boolean });

export type Fate = Readiness | Outcome;

/** When to try a deferred message again: relay.retry gives the waits after the 1st, 2nd, ... failed attempt; after the list, its last value repeats. */
export function nextAttemptDelay(schedule: readonly number[], attempts: number): number {
  if (schedule.length === 0) return 3_600_000;
  return schedule[Math.min(Math.max(attempts, 1), schedule.length) - 1]!;
}

/**
 * The message's fate at `now`: without `results` (no attempt yet), whether it
 * is due; with them, what follows the attempt whose results `env` now holds.
 */
export function decideFate(env: Readonly<Envelope>, results: undefined, now: number, config: FateConfig): Readiness;
export function decideFate(env: Readonly<Envelope>, results: AttemptResults, now: number, config: FateConfig): Outcome;
export function decideFate(env: Readonly<Envelope>, results: AttemptResults | undefined, now: number, config: FateConfig): Fate {
  if (!results) {
    const due = env.nextAttemptAt ? Date.parse(env.nextAttemptAt) : 0;
    return due > now ? { kind: 'wait', until: due } : { kind: 'deliver' };
  }
  const bounce = env.recipients.filter((_, i) => results[i] === 'failed');
  const held = results.filter((r) => r === 'held').length;
  if (held) {
    const released = env.release !== undefined;
    return { kind: 'hold', bounce, held, reason: released ? NO_RELEASE_ROUTE : 'relay.mode is hold', clear: env.nextAttemptAt !== null || released };
  }
  if (isFinished(env)) return { kind: 'remove', bounce };
  const age = now - Date.parse(env.createdAt);
  const left = env.recipients.filter((r) => r.status === 'pending' || r.status === 'deferred');
  if (age >= config.relay.maxAge) {
    const expired = left.map((r) => ({ recipient: r, lastError: `expired after ${formatDuration(age)} in the queue; last error: ${r.lastError ?? 'none'}` }));
    return { kind: 'expire', bounce, age, expired };
  }
  const attempt = Math.max(...left.map((r) => r.attempts));
  const wait = nextAttemptDelay(config.relay.retry, attempt);
  // (no delay warnings about bounces: their sender is the null sender)
  const { delayWarning } = config.relay;
  const warn = delayWarning !== undefined && !env.delayWarned && env.source !== 'bounce' && age >= delayWarning;
  return { kind: 'defer', bounce, retry: left, until: now + wait, wait, attempt, warn };
}

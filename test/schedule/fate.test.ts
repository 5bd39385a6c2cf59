// decideFate with an injected clock: when a message is due, the retry schedule
// (relay.retry, then its last wait again and again), expiry after relay.maxAge,
// the one delay warning, partial results (only this attempt's failures bounce,
// delivered recipients are never tried again), and held and released messages.
// Pure calls: no spool, no timers, no waiting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { NO_RELEASE_ROUTE } from '../../src/relay/release-route.js';
import { decideFate, type AttemptResults, type FateConfig } from '../../src/schedule/fate.js';
import { newEnvelope, type Envelope, type Recipient } from '../../src/spool/envelope.js';
import type { QueueId } from '../../src/spool/queue-id.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const config: FateConfig = { relay: { retry: [5 * MIN, 10 * MIN, 30 * MIN], maxAge: 48 * HOUR, delayWarning: 4 * HOUR } };

function envelope(recipients: Partial<Recipient>[], more: Partial<Envelope> = {}): Envelope {
  const env = newEnvelope('0000000000000000AAAAAAAAAA' as QueueId, { sender: 'alice@test.example', recipients: recipients.map((r) => ({ address: r.address! })), dsn: {}, body: '7BIT', smtputf8: false, createdAt: new Date(T0).toISOString() }, { uid: 1000, user: 'alice', source: 'sendmail', size: 100 });
  env.recipients = env.recipients.map((r, i) => ({ ...r, ...recipients[i] }));
  return { ...env, ...more };
}

const deferred = (address: string, attempts: number): Partial<Recipient> => ({ address, status: 'deferred', attempts, lastError: '451 4.3.0 try later' });

test('before an attempt: due when never scheduled or when its time has come, else wait until then', () => {
  assert.deepEqual(decideFate(envelope([{ address: 'a@x.example' }]), undefined, T0, config), { kind: 'deliver' });
  const next = T0 + 10 * MIN;
  const env = envelope([deferred('a@x.example', 1)], { nextAttemptAt: new Date(next).toISOString() });
  assert.deepEqual(decideFate(env, undefined, next - 1, config), { kind: 'wait', until: next });
  assert.deepEqual(decideFate(env, undefined, next, config), { kind: 'deliver' });
  assert.deepEqual(decideFate(env, undefined, next + HOUR, config), { kind: 'deliver' });
});

test('the retry schedule: relay.retry after the 1st, 2nd, 3rd attempt, then its last wait every time', () => {
  const waits = [1, 2, 3, 4, 7, 20].map((attempts) => {
    const now = T0 + attempts * MIN;
    const fate = decideFate(envelope([deferred('a@x.example', attempts)]), ['deferred'], now, config);
    assert.equal(fate.kind, 'defer');
    if (fate.kind !== 'defer') return 0;
    assert.equal(fate.until, now + fate.wait);
    assert.equal(fate.attempt, attempts);
    return fate.wait;
  });
  assert.deepEqual(waits, [5 * MIN, 10 * MIN, 30 * MIN, 30 * MIN, 30 * MIN, 30 * MIN]);
  // The recipient tried most sets the pace; an empty schedule waits an hour.
  const two = decideFate(envelope([deferred('a@x.example', 1), deferred('b@x.example', 2)]), ['deferred', 'deferred'], T0, config);
  assert.equal(two.kind === 'defer' && two.wait, 10 * MIN);
  const none = decideFate(envelope([deferred('a@x.example', 1)]), ['deferred'], T0, { relay: { ...config.relay, retry: [] } });
  assert.equal(none.kind === 'defer' && none.wait, HOUR);
});

test('relay.maxAge: from that age on, the recipients left expire with the last error kept in the reason', () => {
  const env = envelope([{ address: 'done@x.example', status: 'delivered', attempts: 1 }, deferred('late@x.example', 9)]);
  const justBefore = decideFate(env, [undefined, 'deferred'], T0 + 48 * HOUR - 1, config);
  assert.equal(justBefore.kind, 'defer');
  const fate = decideFate(env, [undefined, 'deferred'], T0 + 48 * HOUR, config);
  assert.equal(fate.kind, 'expire');
  if (fate.kind !== 'expire') return;
  assert.equal(fate.age, 48 * HOUR);
  assert.deepEqual(fate.bounce, []);
  assert.deepEqual(fate.expired.map((e) => e.recipient.address), ['late@x.example']);
  assert.equal(fate.expired[0]!.lastError, 'expired after 2d in the queue; last error: 451 4.3.0 try later');
  assert.equal(env.recipients[1]!.status, 'deferred', 'deciding changes nothing: the runner applies it');
});

test('relay.delayWarning: one warning, once the message is that old, never about a bounce', () => {
  const at = (age: number, more: Partial<Envelope> = {}) => decideFate(envelope([deferred('a@x.example', 3)], more), ['deferred'], T0 + age, config);
  const warned = (f: ReturnType<typeof at>) => f.kind === 'defer' && f.warn;
  assert.equal(warned(at(4 * HOUR - 1)), false, 'younger than relay.delayWarning');
  assert.equal(warned(at(4 * HOUR)), true);
  assert.equal(warned(at(30 * HOUR)), true, 'late, but not sent yet');
  assert.equal(warned(at(5 * HOUR, { delayWarned: true })), false, 'already sent');
  assert.equal(warned(at(5 * HOUR, { source: 'bounce', sender: '' })), false, 'a bounce has the null sender');
  assert.equal(warned(decideFate(envelope([deferred('a@x.example', 3)]), ['deferred'], T0 + 5 * HOUR, { relay: { ...config.relay, delayWarning: undefined } })), false, 'not configured');
});

test('partial results: only this attempt’s failures bounce; delivered ones are not tried again', () => {
  const env = envelope([
    { address: 'ok@x.example', status: 'delivered', attempts: 1 },
    deferred('later@y.example', 1),
    { address: 'bad@z.example', status: 'failed', attempts: 1, lastError: '550 5.1.1 no such user' },
    { address: 'old@z.example', status: 'failed', attempts: 1, lastError: '550 5.1.1 bounced last time' },
  ]);
  const results: AttemptResults = ['delivered', 'deferred', 'failed', undefined];
  const fate = decideFate(env, results, T0 + MIN, config);
  assert.equal(fate.kind, 'defer');
  if (fate.kind !== 'defer') return;
  assert.deepEqual(fate.bounce.map((r) => r.address), ['bad@z.example']);
  assert.deepEqual(fate.retry.map((r) => r.address), ['later@y.example']);
  assert.equal(fate.until, T0 + MIN + 5 * MIN);
  // When the deferred one is delivered later, the message goes; nothing bounces again.
  env.recipients[1] = { ...env.recipients[1]!, status: 'delivered', attempts: 2, lastError: null };
  assert.deepEqual(decideFate(env, [undefined, 'delivered', undefined, undefined], T0 + 7 * MIN, config), { kind: 'remove', bounce: [] });
  // A last recipient failing: bounced, and the message goes.
  const last = envelope([{ address: 'ok@x.example', status: 'delivered', attempts: 1 }, { address: 'bad@z.example', status: 'failed', attempts: 2, lastError: '554 5.0.0 no' }]);
  const gone = decideFate(last, [undefined, 'failed'], T0, config);
  assert.equal(gone.kind, 'remove');
  assert.deepEqual(gone.kind === 'remove' && gone.bounce.map((r) => r.address), ['bad@z.example']);
});

test('held by relay.mode hold: to hold/, after bouncing what failed; a retry time is cleared', () => {
  const env = envelope([{ address: 'me@test.example', status: 'delivered', attempts: 1 }, { address: 'bad@test.example', status: 'failed', attempts: 0, lastError: '550 5.1.1 unknown' }, { address: 'r1@x.example' }, { address: 'r2@y.example' }]);
  const results: AttemptResults = ['delivered', 'failed', 'held', 'held'];
  const fate = decideFate(env, results, T0, config);
  assert.deepEqual(fate, { kind: 'hold', bounce: [env.recipients[1]], held: 2, reason: 'relay.mode is hold', clear: false });
  // Held even when older than relay.maxAge: an administrator decides.
  assert.equal(decideFate(env, results, T0 + 100 * HOUR, config).kind, 'hold');
  const retried = decideFate(envelope([deferred('r@x.example', 2)], { nextAttemptAt: new Date(T0).toISOString() }), ['held'], T0, config);
  assert.equal(retried.kind === 'hold' && retried.clear, true);
});

test('released messages: sent on like any other; held again only when there is no route, and the release is spent', () => {
  const release = { by: 'root', at: new Date(T0 + HOUR).toISOString() };
  const now = T0 + 2 * HOUR;
  assert.deepEqual(decideFate(envelope([{ address: 'r@x.example', status: 'delivered', attempts: 1 }], { release }), ['delivered'], now, config), { kind: 'remove', bounce: [] });
  const later = decideFate(envelope([deferred('r@x.example', 1)], { release }), ['deferred'], now, config);
  assert.equal(later.kind, 'defer');
  const again = decideFate(envelope([{ address: 'r@x.example' }], { release }), ['held'], now, config);
  assert.deepEqual(again, { kind: 'hold', bounce: [], held: 1, reason: NO_RELEASE_ROUTE, clear: true });
});

test('the daemon’s own configuration fits, and its defaults give the documented schedule', () => {
  const real = validateConfig({ hostname: 'test.example' });
  const waits = [1, 2, 3, 4, 5, 6, 7].map((n) => {
    const f = decideFate(envelope([deferred('a@x.example', n)]), ['deferred'], T0, real);
    return f.kind === 'defer' ? f.wait / MIN : -1;
  });
  assert.deepEqual(waits, [5, 10, 30, 60, 120, 240, 240]);
  assert.equal(decideFate(envelope([deferred('a@x.example', 1)]), ['deferred'], T0 + 5 * 24 * HOUR, real).kind, 'expire');
});

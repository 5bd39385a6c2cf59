// Privilege separation, the daemon's side: it runs as its own user, receives
// the ports the root process bound for it, and sends local writes there.
import type { Server } from 'node:net';
import type { DeliveryOutcome } from '../shared/delivery.js';
import type { LocalWrite } from '../local/writer.js';
import { MailroomError } from '../shared/errors.js';
import { adoptListener } from '../shared/listeners.js';
import { replies } from '../shared/replies.js';
import type { MasterMessage, WorkerMessage } from './master.js';

export function isWorker(): boolean {
  return process.env.MAILROOM_ROLE === 'worker' && typeof process.send === 'function';
}

const send = (m: WorkerMessage) => process.send!(m);

/** Waits for the listeners the root process bound (until its 'go'). */
export function receiveListeners(timeoutMs = 10_000): Promise<void> {
  if (process.getuid?.() === 0) throw new MailroomError('STILL_ROOT', 'the daemon process is still root under privilege separation');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new MailroomError('NO_GO', 'the root process did not hand over its listeners')), timeoutMs);
    const on = (m: MasterMessage, handle: unknown) => {
      if (m?.type === 'listener' && handle) adoptListener(m.where, handle as Server);
      else if (m?.type === 'go') {
        clearTimeout(timer);
        process.off('message', on);
        resolve();
      }
    };
    process.on('message', on);
  });
}

/** Local writes through the root process; answers 'deferred' when it is gone. */
export function writeThroughMaster(): (w: LocalWrite) => Promise<DeliveryOutcome> {
  let seq = 0;
  const waiting = new Map<number, (o: DeliveryOutcome) => void>();
  process.on('message', (m: MasterMessage) => {
    if (m?.type !== 'written') return;
    waiting.get(m.seq)?.(m.outcome as DeliveryOutcome);
    waiting.delete(m.seq);
  });
  process.on('disconnect', () => {
    for (const done of waiting.values()) done(replies.localTemporary('the privileged delivery process is gone'));
    waiting.clear();
  });
  return (w) =>
    new Promise((resolve) => {
      if (!process.connected) return resolve(replies.localTemporary('the privileged delivery process is gone'));
      const n = ++seq;
      waiting.set(n, resolve);
      send({ type: 'write', seq: n, w });
    });
}

export function reportStarted(): void {
  send({ type: 'started' });
}

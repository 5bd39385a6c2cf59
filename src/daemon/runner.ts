// The queue runner's place in the daemon. Delivery (the relay stage) is not
// built yet, so this runner only holds mail: accepted messages stay in the
// queue, and a flush request is acknowledged and logged.
import type { Logger } from '../shared/log.js';

export interface QueueRunner {
  /** Wake the runner: everything, one site (-qR), or one message (-qI). */
  wake(filter?: { site?: string; id?: string }): void;
  close(): Promise<void>;
}

export function startHoldingRunner(log: Logger): QueueRunner {
  return {
    wake(filter) {
      log.info('flush requested; no delivery stage yet, mail stays queued', { site: filter?.site, id: filter?.id });
    },
    async close() {},
  };
}

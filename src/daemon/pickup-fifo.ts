// The daemon's end of the pickup FIFO (shared/poke.ts): made with mkfifo(1)
// (node has no mkfifo), opened read-write and non-blocking so it never sees
// end-of-file when a writer closes, and read through a net.Socket (libuv polls
// a FIFO like a pipe, no thread-pool thread held). Every byte read is a kick.
import { spawnSync } from 'node:child_process';
import { chmodSync, constants, openSync, promises as fsp } from 'node:fs';
import { Socket } from 'node:net';
import type { Logger } from '../shared/log.js';

export interface PickupFifo {
  close(): Promise<void>;
}

export async function listenPickupFifo(path: string, onPoke: () => void, log: Logger): Promise<PickupFifo | undefined> {
  await fsp.rm(path, { force: true });
  const made = spawnSync('mkfifo', ['-m', '0622', path], { encoding: 'utf8' });
  if (made.status !== 0) {
    log.warn('no pickup FIFO; sendmail submissions are found by watching maildrop/', { path, reason: (made.stderr || made.error?.message || '').trim() });
    return undefined;
  }
  chmodSync(path, 0o622);
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  const sock = new Socket({ fd, readable: true, writable: false });
  sock.on('data', () => onPoke());
  sock.on('error', (err) => log.warn('pickup FIFO error', { error: err.message }));
  return {
    async close() {
      sock.destroy();
      await fsp.rm(path, { force: true });
    },
  };
}

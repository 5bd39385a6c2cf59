// The pickup FIFO (Postfix's public/pickup): pickup.fifo beside the
// submission socket, mode 0622, read by the daemon. sendmail writes one byte
// to it after leaving a message in maildrop/, so pickup is immediate. Opening
// a FIFO costs one open() and needs no network module (node:net adds ~8 ms to
// every sendmail start). A poke is a hint only: with no daemon reading (open
// fails with ENXIO), or the FIFO full, nothing is lost; the daemon also
// watches maildrop/ and scans it on a timer.
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function pickupFifoPath(submitSocket: string): string {
  return join(dirname(submitSocket), 'pickup.fifo');
}

/** Writes one byte to the pickup FIFO; never throws, never blocks. */
export function pokePickup(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return; // no daemon (ENXIO), no FIFO (ENOENT), not ours (EACCES)
  }
  try {
    if (fstatSync(fd).isFIFO()) writeSync(fd, 'p');
  } catch {
    /* full (EAGAIN): a poke is already waiting */
  } finally {
    closeSync(fd);
  }
}

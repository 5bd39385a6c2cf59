// Reads the message from standard input, refusing to buffer more than the size
// limit (plus headroom for line-ending repair) so a runaway writer cannot fill
// memory. Synchronous reads where stdin allows it (files, pipes), else a stream.
import { readSync } from 'node:fs';
import { MailroomError } from '../../shared/errors.js';

const CHUNK = 1 << 20;

export function tooBig(limit: number): MailroomError {
  return new MailroomError('MESSAGE_TOO_BIG', `message is larger than ${limit} bytes (maxMessageSize)`);
}

/**
 * How much raw input is read at most. Bare LF -> CRLF can grow the message:
 * allow the raw input twice the limit; the normalised size is checked again
 * before the message is written. The daemon's front end bounds the same.
 */
export function inputCap(limit: number): number {
  return limit * 2 + 1024;
}

export async function readStdin(limit: number): Promise<Buffer> {
  const cap = inputCap(limit);
  const parts: Buffer[] = [];
  let total = 0;
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const n = readSync(0, buf, 0, CHUNK, null);
      if (n === 0) return Buffer.concat(parts, total);
      parts.push(buf.subarray(0, n));
      total += n;
      if (total > cap) throw tooBig(limit);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EOF') return Buffer.concat(parts, total);
    if (code !== 'EAGAIN') throw err;
  }
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    parts.push(chunk);
    total += chunk.length;
    if (total > cap) throw tooBig(limit);
  }
  return Buffer.concat(parts, total);
}

// Message sizes as POP3 announces them: octets with CRLF line endings.
// Dovecot's `,W=` in the name is that size. `,S=` is only the file's size:
// local delivery (ours, maildrop, Dovecot) stores LF line ends, so a file with
// S= alone or no hint is scanned once and the result cached by (path, inode,
// size, mtime), so a listing never rereads it.
import { promises as fsp } from 'node:fs';
import { FileCache } from '../shared/file-cache.js';
import type { MaildirName } from './names.js';

// Keyed by the message's base name (it survives moves between new/ and cur/).
const cache = new FileCache<number>({ max: 100_000 });

/** Bytes plus one for every LF not preceded by CR (what CRLF normalisation adds). */
export function crlfSizeOf(buf: Buffer, prevWasCR = false): number {
  let extra = 0;
  let i = buf.indexOf(10);
  while (i >= 0) {
    if (i === 0 ? !prevWasCR : buf[i - 1] !== 13) extra++;
    i = buf.indexOf(10, i + 1);
  }
  return buf.length + extra;
}

async function scanFile(path: string): Promise<number> {
  const fh = await fsp.open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(256 * 1024);
    let total = 0;
    let prevCR = false;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return total;
      const chunk = buf.subarray(0, bytesRead);
      total += crlfSizeOf(chunk, prevCR);
      prevCR = chunk[bytesRead - 1] === 13;
    }
  } finally {
    await fh.close();
  }
}

/** The CRLF size of a message file; rejects with ENOENT when the file is gone. */
export async function wireSizeOf(path: string, name: Pick<MaildirName, 'base' | 'sizeHint' | 'wireSizeHint'>): Promise<number> {
  if (name.wireSizeHint !== undefined) return name.wireSizeHint;
  const st = await fsp.stat(path);
  return cache.getAsync(name.base, st, () => scanFile(path));
}

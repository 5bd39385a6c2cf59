// One message file of a folder as IMAP needs it: read whole or header only
// with CRLF line endings (files on disk have LF, as local delivery and
// Dovecot write them), written with LF under a Maildir unique name that
// carries its sizes (`,S=` on disk, `,W=` with CRLF, as Dovecot names them).
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { hostname } from 'node:os';

/** The buffer with every LF not preceded by CR turned into CRLF (returns `buf` itself when none is). */
export function toCrlf(buf: Buffer): Buffer {
  const first = buf.indexOf(10);
  if (first < 0) return buf;
  let lone = 0;
  for (let j = first; j >= 0; j = buf.indexOf(10, j + 1)) if (j === 0 || buf[j - 1] !== 13) lone++;
  if (lone === 0) return buf;
  const out = Buffer.allocUnsafe(buf.length + lone);
  let src = 0;
  let dst = 0;
  for (let j = first; j >= 0; j = buf.indexOf(10, j + 1)) {
    if (j > 0 && buf[j - 1] === 13) continue;
    dst += buf.copy(out, dst, src, j);
    out[dst++] = 13;
    src = j; // the LF goes out with the next piece
  }
  buf.copy(out, dst, src);
  return out;
}

/** The buffer with every CRLF turned into LF (the on-disk form). */
export function toLf(buf: Buffer): Buffer {
  let j = buf.indexOf('\r\n');
  if (j < 0) return buf;
  const out = Buffer.allocUnsafe(buf.length);
  let src = 0;
  let dst = 0;
  for (; j >= 0; j = buf.indexOf('\r\n', j + 2)) {
    dst += buf.copy(out, dst, src, j);
    src = j + 1;
  }
  dst += buf.copy(out, dst, src);
  return out.subarray(0, dst);
}

/** Where the header ends in `buf` (just after the empty line), or -1 when not within it. */
export function headerEnd(buf: Buffer): number {
  if (buf[0] === 10) return 1;
  if (buf[0] === 13 && buf[1] === 10) return 2;
  const lf = buf.indexOf('\n\n');
  const crlf = buf.indexOf('\n\r\n');
  if (lf < 0 && crlf < 0) return -1;
  if (crlf < 0 || (lf >= 0 && lf < crlf)) return lf + 2;
  return crlf + 3;
}

const HEAD_CHUNK = 16 * 1024;

/** The header block of a file (through the empty line; the whole file when it has none), as stored. */
export function readHead(path: string): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    let buf = Buffer.allocUnsafe(HEAD_CHUNK);
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, got);
        buf = bigger;
      }
      const n = readSync(fd, buf, got, buf.length - got, null);
      // Search all that was read: the empty line may straddle two reads.
      const end = headerEnd(buf.subarray(0, got + n));
      if (end >= 0) return buf.subarray(0, end);
      if (n === 0) return buf.subarray(0, got);
      got += n;
    }
  } finally {
    closeSync(fd);
  }
}

// Unique names: "<secs>.M<usec>P<pid>Q<n>.<host>" (the Maildir spec's form,
// which compareBases orders), microseconds kept increasing within a process
// so that the delivery order of our own writes is the order we made them.
let lastMicros = 0;
let counter = 0;
const host = hostname().replace(/\//g, '\\057').replace(/:/g, '\\072').replace(/[^\x21-\x7e]/g, '_') || 'localhost';

/** A new Maildir base name with the size on disk and the CRLF size. */
export function uniqueName(diskSize: number | undefined, wireSize: number): string {
  const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  lastMicros = Math.max(now, lastMicros + 1);
  const secs = Math.floor(lastMicros / 1_000_000);
  const usec = lastMicros % 1_000_000;
  const s = diskSize === undefined ? '' : `,S=${diskSize}`;
  return `${secs}.M${usec}P${process.pid}Q${++counter}.${host}${s},W=${wireSize}`;
}

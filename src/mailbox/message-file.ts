// One message file of a folder as IMAP needs it: read whole or header only
// with CRLF line endings (files on disk have LF, as local delivery and
// Dovecot write them), written with LF under a Maildir unique name that
// carries its sizes (`,S=` on disk, `,W=` with CRLF, as Dovecot names them).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { hostname } from 'node:os';
import { nativeAddon } from '../shared/native-addon.js';

/** Offsets of lone LFs, reused between calls (grown on demand) so a conversion allocates only its result. */
let lones = new Int32Array(4096);

/** The native addon's conversion (memchr and memcpy: about three times faster), looked up at first use; null when not built. */
let nativeCrlf: ((buf: Buffer) => Buffer) | null | undefined;

/** The buffer with every LF not preceded by CR turned into CRLF (returns `buf` itself when none is). */
export function toCrlf(buf: Buffer): Buffer {
  nativeCrlf ??= (nativeAddon() as { crlf?: (buf: Buffer) => Buffer } | undefined)?.crlf ?? null;
  return nativeCrlf ? nativeCrlf(buf) : toCrlfJs(buf);
}

/**
 * toCrlf in JavaScript, where the addon is not built. One indexOf pass
 * records the lone LFs, then the result is allocated at its exact size and
 * filled: ~25% faster than counting first.
 */
export function toCrlfJs(buf: Buffer): Buffer {
  let n = 0;
  for (let j = buf.indexOf(10); j >= 0; j = buf.indexOf(10, j + 1)) {
    if (j > 0 && buf[j - 1] === 13) continue;
    if (n === lones.length) {
      const bigger = new Int32Array(n * 2);
      bigger.set(lones);
      lones = bigger;
    }
    lones[n++] = j;
  }
  if (n === 0) return buf;
  const out = Buffer.allocUnsafe(buf.length + n);
  let src = 0;
  let dst = 0;
  for (let k = 0; k < n; k++) {
    const j = lones[k]!;
    dst += buf.copy(out, dst, src, j);
    out[dst++] = 13;
    src = j; // the LF goes out with the next piece
  }
  buf.copy(out, dst, src);
  return out;
}

/** Read buffer reused between whole-message reads (files over 1 MiB get their own). */
let scratch = Buffer.allocUnsafeSlow(256 * 1024);
const SCRATCH_MAX = 1024 * 1024;

/**
 * A whole file with CRLF line endings. Read into a reused buffer, so the only
 * allocation per message is the converted result (less garbage than reading
 * into a fresh buffer and converting into another).
 */
export function readCrlf(path: string): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    let size = fstatSync(fd).size;
    let buf = scratch;
    if (size + 1 > buf.length) buf = size < SCRATCH_MAX ? (scratch = Buffer.allocUnsafeSlow(SCRATCH_MAX)) : Buffer.allocUnsafeSlow(size + 1);
    // Read to the end even if the file grew or shrank since fstat (one octet of room tells).
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        const bigger = Buffer.allocUnsafeSlow(buf.length * 2);
        buf.copy(bigger, 0, 0, got);
        buf = bigger;
      }
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    size = got;
    const file = buf.subarray(0, size);
    const out = toCrlf(file);
    // Nothing converted: the octets must leave the shared buffer.
    return out === file && buf === scratch ? Buffer.from(file) : out;
  } finally {
    closeSync(fd);
  }
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

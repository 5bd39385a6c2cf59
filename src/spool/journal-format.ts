// The commit journal's bytes, as native/syncfs/journal.h lays them out (the
// addon appends records; the daemon reads them back after a crash of the
// machine and writes each new header at start).
import { readFileSync } from 'node:fs';

export const JOURNAL_START = 4096;
const HEADER_SIZE = 56;
const RECORD_HEAD = 32;
const BOOT_ID_SIZE = 36;
const HEADER_MAGIC = 'MRJOURN1';
const RECORD_MAGIC = 'MRJR';

export interface JournalHeader {
  generation: number;
  bootId: string;
}

export interface JournalRecord {
  /** The envelope's name in the spool: "incoming/<id>.env" or "hold/<id>.env". */
  name: string;
  envelope: Buffer;
  data: Buffer;
}

let table: Uint32Array | undefined;

/** CRC-32 (IEEE, as zlib's): Node 20 has no zlib.crc32. */
export function crc32(buf: Uint8Array, crc = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  crc = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) crc = table[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** This boot of the machine: a journal written in another one may hold what a crash lost. */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim().slice(0, BOOT_ID_SIZE);
  } catch {
    return ''; // unknown: a journal's records are always replayed
  }
}

export function encodeHeader(h: JournalHeader): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  b.write(HEADER_MAGIC, 0, 'latin1');
  b.writeBigUInt64LE(BigInt(h.generation), 8);
  b.write(h.bootId, 16, BOOT_ID_SIZE, 'latin1');
  b.writeUInt32LE(crc32(b.subarray(0, 52)), 52);
  return b;
}

export function decodeHeader(b: Buffer): JournalHeader | undefined {
  if (b.length < HEADER_SIZE || b.toString('latin1', 0, 8) !== HEADER_MAGIC) return undefined;
  if (b.readUInt32LE(52) !== crc32(b.subarray(0, 52))) return undefined;
  return { generation: Number(b.readBigUInt64LE(8)), bootId: b.toString('latin1', 16, 52).replace(/\0+$/, '') };
}

/** The records of `generation`, up to the first that is not whole or not of it. */
export function decodeRecords(b: Buffer, generation: number): JournalRecord[] {
  const out: JournalRecord[] = [];
  for (let off = JOURNAL_START; off + RECORD_HEAD <= b.length; ) {
    if (b.toString('latin1', off, off + 4) !== RECORD_MAGIC || Number(b.readBigUInt64LE(off + 8)) !== generation) break;
    const nameLen = b.readUInt32LE(off + 16);
    const envLen = b.readUInt32LE(off + 20);
    const dataLen = Number(b.readBigUInt64LE(off + 24));
    const end = off + RECORD_HEAD + nameLen + envLen + dataLen;
    if (end > b.length || b.readUInt32LE(off + 4) !== crc32(b.subarray(off + 8, end))) break;
    const name = b.toString('utf8', off + RECORD_HEAD, off + RECORD_HEAD + nameLen);
    const envelope = b.subarray(off + RECORD_HEAD + nameLen, off + RECORD_HEAD + nameLen + envLen);
    out.push({ name, envelope, data: b.subarray(end - dataLen, end) });
    off = end;
  }
  return out;
}

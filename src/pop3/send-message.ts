// Streams one message from its file to the client (RETR, TOP): read in large
// chunks, encode for the wire, write with backpressure, never a string per
// line. The status line, data and terminator are corked into few writes
// (so Nagle's algorithm and the client's delayed ACK do not stall each reply). A message deleted meanwhile by
// another reader is reported, not fatal.
import type { MessageEntry } from '../mailbox/store.js';
import type { CommandSession } from './command.js';
import { WireEncoder } from './wire.js';

const CHUNK = 256 * 1024;
/** Messages up to this size are read inline (most mail); larger ones are streamed. */
const INLINE_MAX = 128 * 1024;

/** Sends `+OK`, the message (or its header and `bodyLines` lines), and `.`; false when the file is gone. */
export async function sendMessage(s: CommandSession, entry: MessageEntry, bodyLines?: number): Promise<boolean> {
  if (entry.size <= INLINE_MAX) {
    const data = s.store!.readInline(entry);
    if (data) {
      if (s.isClosed) return true;
      const enc = new WireEncoder(bodyLines);
      const sock = s.sock;
      sock.cork();
      sock.write(`+OK ${entry.size} octets\r\n`, 'latin1');
      const out = enc.encode(data);
      if (out.length) sock.write(out);
      sock.write(enc.finish());
      sock.uncork();
      await s.drained();
      return true;
    }
  }
  const fh = await s.store!.open(entry);
  if (!fh) return false;
  const enc = new WireEncoder(bodyLines);
  try {
    // The file is at most its CRLF size, so one read of size+1 normally reaches EOF.
    let want = Math.min(entry.size + 1, CHUNK);
    let first = true;
    for (;;) {
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, null);
      const eof = bytesRead < want;
      const sock = s.sock;
      if (s.isClosed) return true;
      sock.cork();
      if (first) sock.write(`+OK ${entry.size} octets\r\n`, 'latin1');
      first = false;
      const out = enc.encode(buf.subarray(0, bytesRead));
      if (out.length) sock.write(out);
      const last = eof || enc.done;
      if (last) sock.write(enc.finish());
      sock.uncork();
      if (last) return true;
      await s.drained();
      want = CHUNK;
    }
  } finally {
    fh.close().catch(() => undefined);
  }
}

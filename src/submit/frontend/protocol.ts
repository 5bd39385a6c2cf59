// The framing between the compiled sendmail front end (native/sendmail) and the
// daemon, version 1 (man/mailroom-frontend.5): every frame is a type byte, a
// 32-bit big-endian payload length, then the payload. The reader bounds each
// frame before it buffers it; what a frame may carry is the session's business.
import { dirname, join } from 'node:path';

export const PROTOCOL_VERSION = '1';

/** Client frames: H version, A argument, E NAME=value, S start, D data, . end of message, C commit. */
export type ClientFrame = 'H' | 'A' | 'E' | 'S' | 'D' | '.' | 'C';
/** Daemon frames: G go (payload: how many raw bytes it takes), R ready (the queue id), V verdict ("<exit> <stderr>"), F fall back. */
export type DaemonFrame = 'G' | 'R' | 'V' | 'F';

const CLIENT_TYPES = new Set<string>(['H', 'A', 'E', 'S', 'D', '.', 'C']);

/** The largest frame a client may send: a data chunk of 64 KiB, or an argument. */
export const MAX_FRAME = 64 * 1024;

/** The front-end socket beside the submission socket (as control.sock). */
export function frontendSocketPath(submitSocket: string): string {
  return join(dirname(submitSocket), 'sendmail.sock');
}

export function frame(type: DaemonFrame, payload: string | Buffer = ''): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.allocUnsafe(5);
  head[0] = type.charCodeAt(0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

export class ProtocolError extends Error {}

/**
 * Splits the byte stream into frames. Throws ProtocolError on an unknown type
 * or a frame over MAX_FRAME, before buffering its payload.
 */
export class FrameReader {
  private parts: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): { type: ClientFrame; payload: Buffer }[] {
    this.parts.push(chunk);
    this.size += chunk.length;
    const out: { type: ClientFrame; payload: Buffer }[] = [];
    let buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    let off = 0;
    while (buf.length - off >= 5) {
      const type = String.fromCharCode(buf[off]!);
      const len = buf.readUInt32BE(off + 1);
      if (!CLIENT_TYPES.has(type)) throw new ProtocolError(`unknown frame type ${JSON.stringify(type)}`);
      if (len > MAX_FRAME) throw new ProtocolError(`a frame of ${len} bytes (at most ${MAX_FRAME})`);
      if (buf.length - off < 5 + len) break;
      out.push({ type: type as ClientFrame, payload: buf.subarray(off + 5, off + 5 + len) });
      off += 5 + len;
    }
    buf = buf.subarray(off);
    this.parts = buf.length ? [buf] : [];
    this.size = buf.length;
    return out;
  }
}

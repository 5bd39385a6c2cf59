// Bounded line framing for POP3 input, and what a command line may contain.
// Input is split at LF (a CR before it is dropped); no line longer than the
// hard cap is ever held: once one passes it, the reader drops everything that
// follows and leaves an overflow marker for the session to answer and close.
// Below the cap each reader of a line applies its own limit.

/** RFC 2449 §4: a command line is at most 255 octets, CRLF included. */
export const COMMAND_LINE_MAX = 255;
/**
 * The hard cap for any line, CRLF included. Only a SASL response sent after
 * the `+ ` continuation may be this long (RFC 5034 §4 lifts the 255-octet limit
 * for it): a PLAIN response of three 255-octet fields is 1,024 base64 octets.
 */
export const LINE_HARD_MAX = 2048;
/** Octets of complete lines queued before the socket is paused (a pipelining client is slowed, not buffered). */
const QUEUE_MAX = 64 * 1024;

export interface InputLine {
  /** The line without its line end. */
  readonly bytes: Buffer;
  /** The line passed the hard cap: its bytes were dropped, and nothing after it was read. */
  readonly overflow: boolean;
}

const EMPTY = Buffer.alloc(0);

export class LineReader {
  private partial: Buffer[] = [];
  private partialLen = 0;
  private queue: InputLine[] = [];
  private queued = 0;
  private stopped = false;

  /** Takes the bytes of one read; whole lines are queued, the tail is kept (copied, at most the cap). */
  push(chunk: Buffer): void {
    let start = 0;
    while (!this.stopped && start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (this.partialLen + (end - start) >= LINE_HARD_MAX) {
        this.partial = [];
        this.partialLen = 0;
        this.stopped = true;
        this.queue.push({ bytes: EMPTY, overflow: true });
        return;
      }
      if (nl < 0) {
        this.partial.push(Buffer.from(chunk.subarray(start)));
        this.partialLen += chunk.length - start;
        return;
      }
      let bytes = Buffer.concat([...this.partial, chunk.subarray(start, nl)]);
      if (bytes[bytes.length - 1] === 13) bytes = bytes.subarray(0, bytes.length - 1);
      this.partial = [];
      this.partialLen = 0;
      this.queue.push({ bytes, overflow: false });
      this.queued += bytes.length;
      start = nl + 1;
    }
  }

  shift(): InputLine | undefined {
    const line = this.queue.shift();
    if (line) this.queued -= line.bytes.length;
    return line;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** True when the client has run far ahead: stop reading from the socket. */
  get full(): boolean {
    return this.queued > QUEUE_MAX || this.queue.length > 1000;
  }

  /** Forgets everything read so far (STLS: plain-text input is not carried into TLS). */
  reset(): void {
    this.partial = [];
    this.partialLen = 0;
    this.queue = [];
    this.queued = 0;
    this.stopped = false;
  }
}

/** PASS, whose argument may hold a UTF-8 password (and a tab); every other line is printable US-ASCII. */
function isPass(bytes: Buffer, verbEnd: number): boolean {
  return verbEnd === 4 && bytes.subarray(0, 4).toString('latin1').toUpperCase() === 'PASS';
}

/** Why a command line is refused (the -ERR text), or undefined when it may be dispatched. */
export function commandLineProblem(bytes: Buffer): string | undefined {
  if (bytes.length + 2 > COMMAND_LINE_MAX) return `Line too long (at most ${COMMAND_LINE_MAX} octets).`;
  const sp = bytes.indexOf(0x20);
  const verbEnd = sp < 0 ? bytes.length : sp;
  const pass = isPass(bytes, verbEnd);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x20 && b < 0x7f) continue;
    if (pass && i > verbEnd && (b >= 0x80 || b === 0x09)) continue;
    return 'Binary data in command line.';
  }
  return undefined;
}

// Bounded input framing for IMAP: command lines (at most LINE_MAX octets;
// a longer one is skipped to its end and reported, and a client that streams
// past LINE_HARD_MAX without a line end is cut off) and literal octets, read
// only when the session asks for them (RFC 3501 §4.3: a literal's bytes are
// not lines). Unread input is bounded: the socket is paused while it piles up.

/** The longest command line (fragment between literals) we parse, CRLF excluded. */
export const LINE_MAX = 8 * 1024;
/** Past this many octets without a line end the connection is closed. */
export const LINE_HARD_MAX = 64 * 1024;
/** Unconsumed input kept before the socket is paused. */
const BUFFER_MAX = 64 * 1024;

export type LineRead =
  | { readonly kind: 'line'; readonly bytes: Buffer }
  /** Longer than LINE_MAX: skipped; `head` is its start (for the tag). */
  | { readonly kind: 'too-long'; readonly head: Buffer }
  /** The client kept sending past LINE_HARD_MAX: nothing more is read. */
  | { readonly kind: 'overflow' };

type Want = { kind: 'line'; resolve: (r: LineRead | undefined) => void } | { kind: 'literal'; n: number; parts: Buffer[]; got: number; resolve: (b: Buffer | undefined) => void };

const EMPTY = Buffer.alloc(0);

export class CommandReader {
  private buf: Buffer = EMPTY;
  private want: Want | undefined;
  private skipping: { head: Buffer; dropped: number } | undefined;
  private ended = false;

  /** `flow(false)` asks the owner to pause the socket, `flow(true)` to resume it. */
  constructor(private readonly flow: (on: boolean) => void = () => undefined) {}

  push(chunk: Buffer): void {
    if (this.ended) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.pump();
    if (!this.want && this.buf.length > BUFFER_MAX) this.flow(false);
  }

  /** The connection is gone: pending and later reads give undefined. */
  end(): void {
    this.ended = true;
    this.buf = EMPTY;
    const w = this.want;
    this.want = undefined;
    w?.resolve(undefined);
  }

  /** Forgets unread input (STARTTLS: nothing sent in plain text is carried over, RFC 3501 §6.2.1). */
  reset(): void {
    this.buf = EMPTY;
    this.skipping = undefined;
  }

  get buffered(): number {
    return this.buf.length;
  }

  nextLine(): Promise<LineRead | undefined> {
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.want = { kind: 'line', resolve };
      this.flow(true);
      this.pump();
    });
  }

  /** The next `n` octets (a literal's content). */
  nextLiteral(n: number): Promise<Buffer | undefined> {
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.want = { kind: 'literal', n, parts: [], got: 0, resolve };
      this.flow(true);
      this.pump();
    });
  }

  private take(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = n >= this.buf.length ? EMPTY : this.buf.subarray(n);
    return out;
  }

  private pump(): void {
    const w = this.want;
    if (!w || this.ended) return;
    if (w.kind === 'literal') {
      const n = Math.min(w.n - w.got, this.buf.length);
      if (n > 0) {
        w.parts.push(Buffer.from(this.take(n)));
        w.got += n;
      }
      if (w.got < w.n) return;
      this.want = undefined;
      w.resolve(w.parts.length === 1 ? w.parts[0]! : Buffer.concat(w.parts));
      return;
    }
    const r = this.scanLine();
    if (!r) return;
    this.want = undefined;
    if (r.kind === 'overflow') this.ended = true;
    w.resolve(r);
  }

  private scanLine(): LineRead | undefined {
    const nl = this.buf.indexOf(10);
    if (this.skipping) {
      const s = this.skipping;
      if (nl < 0) {
        s.dropped += this.buf.length;
        this.buf = EMPTY;
        return s.dropped > LINE_HARD_MAX ? { kind: 'overflow' } : undefined;
      }
      this.take(nl + 1);
      this.skipping = undefined;
      return { kind: 'too-long', head: s.head };
    }
    if (nl < 0) {
      if (this.buf.length <= LINE_MAX + 1) return undefined;
      this.skipping = { head: Buffer.from(this.buf.subarray(0, 64)), dropped: 0 };
      return this.scanLine();
    }
    if (nl > LINE_MAX + 1) {
      const head = Buffer.from(this.buf.subarray(0, 64));
      this.take(nl + 1);
      return { kind: 'too-long', head };
    }
    let bytes = this.take(nl + 1).subarray(0, nl);
    if (bytes[bytes.length - 1] === 13) bytes = bytes.subarray(0, bytes.length - 1);
    return { kind: 'line', bytes: Buffer.from(bytes) };
  }
}

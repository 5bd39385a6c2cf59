// Message bytes -> POP3 multi-line data (RFC 1939 §3): CRLF line endings
// (a bare LF becomes CRLF; a lone CR stays data), a '.' doubled at the start
// of a line, and for TOP a cut after the header and N body lines. Works chunk
// by chunk so a large message is never held whole or split into strings.

const CR = Buffer.from('\r');
const DOT = Buffer.from('.');
const EMPTY = Buffer.alloc(0);

export class WireEncoder {
  private atLineStart = true;
  private prevCR = false;
  /** Octets of the current line seen in earlier chunks (only tracked for TOP). */
  private lineLen = 0;
  private inHeader = true;
  /** True once a TOP cut was reached: the rest of the file is not sent. */
  done = false;

  /** @param bodyLines for TOP: body lines to send after the header; undefined sends everything. */
  constructor(private bodyLines?: number) {}

  encode(buf: Buffer): Buffer {
    const n = buf.length;
    if (this.done || n === 0) return EMPTY;
    const parts: Buffer[] = [];
    let start = 0;
    let lineStart = 0;
    if (this.atLineStart && buf[0] === 0x2e) parts.push(DOT);
    let i = buf.indexOf(10);
    while (i >= 0) {
      const bare = i === 0 ? !this.prevCR : buf[i - 1] !== 13;
      if (bare) {
        parts.push(buf.subarray(start, i), CR);
        start = i;
      }
      if (this.bodyLines !== undefined) {
        const len = this.lineLen + (i - lineStart) - (bare ? 0 : 1);
        this.lineLen = 0;
        let cut = false;
        if (this.inHeader) {
          if (len === 0) {
            this.inHeader = false;
            cut = this.bodyLines === 0;
          }
        } else cut = --this.bodyLines <= 0;
        if (cut) {
          parts.push(buf.subarray(start, i + 1));
          this.done = true;
          this.atLineStart = true;
          return Buffer.concat(parts);
        }
      }
      lineStart = i + 1;
      if (i + 1 < n && buf[i + 1] === 0x2e) {
        parts.push(buf.subarray(start, i + 1), DOT);
        start = i + 1;
      }
      i = buf.indexOf(10, i + 1);
    }
    const last = buf[n - 1];
    this.atLineStart = last === 10;
    this.prevCR = last === 13;
    if (this.bodyLines !== undefined) this.lineLen += n - lineStart;
    if (parts.length === 0) return buf;
    parts.push(buf.subarray(start));
    return Buffer.concat(parts);
  }

  /** The end of the multi-line response: a line break if the message lacked one, then ".". */
  finish(): Buffer {
    return Buffer.from(this.atLineStart ? '.\r\n' : '\r\n.\r\n');
  }
}

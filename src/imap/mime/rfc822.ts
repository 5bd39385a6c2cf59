// A reader for structured header values (RFC 5322 §3.2: whitespace, comments,
// quoted strings, atoms; RFC 2045 §5.1 tokens) over one unfolded value. It
// never throws: broken input ends a token early and the callers recover at
// the next separator, as mail readers do.

/** Per ASCII code: 1 = ends an RFC 2045 token (tspecials), 2 = ends an atom (RFC 5322 specials). */
const STOP = new Uint8Array(128);
for (const c of '()<>@,;:\\"/[]?=') STOP[c.charCodeAt(0)]! |= 1;
for (const c of '()<>[]:;@\\,."') STOP[c.charCodeAt(0)]! |= 2;
for (let c = 0; c <= 32; c++) STOP[c] = 3;
STOP[127] = 3;

export class Rfc822Reader {
  pos = 0;
  /** Content of the last comment skipped, for an addr-spec's display name. */
  lastComment: string | undefined;

  constructor(readonly s: string) {}

  get done(): boolean {
    return this.pos >= this.s.length;
  }

  peek(): string {
    return this.s[this.pos] ?? '';
  }

  /** Skips whitespace and comments; false when the value is used up. */
  skipLwsp(): boolean {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 13 || c === 10) this.pos++;
      else if (c === 40) this.lastComment = this.comment();
      else break;
    }
    return this.pos < s.length;
  }

  /** A comment, nested ones included; the reader is on its '('. */
  private comment(): string {
    const s = this.s;
    let depth = 0;
    let out = '';
    for (; this.pos < s.length; this.pos++) {
      const ch = s[this.pos]!;
      if (ch === '\\' && this.pos + 1 < s.length) {
        out += s[++this.pos];
        continue;
      }
      if (ch === '(' && depth++ === 0) continue;
      if (ch === ')' && --depth === 0) {
        this.pos++;
        return out;
      }
      if (ch !== '\r' && ch !== '\n') out += ch;
    }
    return out;
  }

  /** An RFC 2045 token (no tspecials); '' when there is none here. */
  mimeToken(): string {
    const s = this.s;
    const start = this.pos;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c < 128 && (STOP[c]! & 1) !== 0) break;
      this.pos++;
    }
    return s.slice(start, this.pos);
  }

  /** An atom (RFC 5322 atext, 8-bit allowed), with dots when `dots`. */
  atom(dots = false): string {
    const s = this.s;
    const start = this.pos;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c < 128 && (STOP[c]! & 2) !== 0 && !(dots && c === 46)) break;
      this.pos++;
    }
    return s.slice(start, this.pos);
  }

  /** A quoted string's content (the reader is on its '"'), undefined when it is not terminated. */
  quoted(): string | undefined {
    const s = this.s;
    let out = '';
    for (this.pos++; this.pos < s.length; this.pos++) {
      const ch = s[this.pos]!;
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === '\\' && this.pos + 1 < s.length) out += s[++this.pos];
      else if (ch !== '\r' && ch !== '\n') out += ch;
    }
    return undefined;
  }

  /** Moves past the next `ch` (or to the end). */
  skipPast(ch: string): void {
    const i = this.s.indexOf(ch, this.pos);
    this.pos = i < 0 ? this.s.length : i + 1;
  }
}

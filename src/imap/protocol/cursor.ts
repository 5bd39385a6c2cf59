// Reads the tokens of one command (RFC 3501 §4, §9): atoms, numbers, quoted
// strings with \" and \\, literals (whose octets the reader already took),
// NIL, parentheses. A command is line fragments with a literal after each one
// but the last; the cursor moves from a fragment's `{n}` to the literal's data.
import type { RawCommand } from './assemble.js';

/** A malformed command: answered `tag BAD text` (or NO with a code, e.g. BADCHARSET). */
export class ParseError extends Error {
  constructor(
    message: string,
    readonly status: 'BAD' | 'NO' = 'BAD',
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Characters that end an atom (atom-specials of RFC 3501 §9, without ']' for ASTRING-CHAR). */
const ATOM_STOP = new Set(['(', ')', '{', ' ', '%', '*', '"', '\\']);

export class Cursor {
  private li = 0;
  private pos = 0;
  private line: string;

  constructor(private readonly raw: RawCommand) {
    this.line = raw.lines[0]!.toString('latin1');
  }

  /** The next character of the current fragment ('' at its end). */
  peek(): string {
    return this.line[this.pos] ?? '';
  }

  /** The rest of the current fragment, upper-cased, for look-ahead. */
  lookUpper(n: number): string {
    return this.line.slice(this.pos, this.pos + n).toUpperCase();
  }

  atEnd(): boolean {
    return this.pos >= this.line.length && this.li === this.raw.lines.length - 1;
  }

  end(): void {
    if (!this.atEnd()) throw new ParseError(`Unexpected text at "${this.line.slice(this.pos, this.pos + 20)}"`);
  }

  /** Consumes `s` (case-insensitively) when it comes next. */
  accept(s: string): boolean {
    if (this.line.slice(this.pos, this.pos + s.length).toUpperCase() !== s.toUpperCase()) return false;
    this.pos += s.length;
    return true;
  }

  expect(s: string, what = `"${s}"`): void {
    if (!this.accept(s)) throw new ParseError(`Expected ${what}`);
  }

  sp(): void {
    this.expect(' ', 'a space');
  }

  /** Characters up to the next atom-special; `extra` characters are also allowed (e.g. '\\' for flags, '*' for patterns). */
  atom(what = 'an atom', extra = '', stop = ''): string {
    const start = this.pos;
    while (this.pos < this.line.length) {
      const c = this.line[this.pos]!;
      const code = c.charCodeAt(0);
      if (code <= 0x20 || code >= 0x7f || (ATOM_STOP.has(c) && !extra.includes(c)) || stop.includes(c)) break;
      this.pos++;
    }
    if (this.pos === start) throw new ParseError(`Expected ${what}`);
    return this.line.slice(start, this.pos);
  }

  number(what = 'a number'): number {
    const m = /^\d{1,19}/.exec(this.line.slice(this.pos, this.pos + 20));
    if (!m) throw new ParseError(`Expected ${what}`);
    const n = Number(m[0]);
    if (!Number.isSafeInteger(n)) throw new ParseError(`${what} out of range`);
    this.pos += m[0].length;
    return n;
  }

  /** A mod-sequence (RFC 7162: up to 2^63-1); values past 2^53 lose precision, which only blurs comparisons at that size. */
  modseq(what = 'a mod-sequence'): number {
    const m = /^\d{1,19}/.exec(this.line.slice(this.pos, this.pos + 20));
    if (!m) throw new ParseError(`Expected ${what}`);
    this.pos += m[0].length;
    return Number(m[0]);
  }

  nzNumber(what = 'a number'): number {
    const n = this.number(what);
    if (n === 0) throw new ParseError(`Expected ${what} above 0`);
    return n;
  }

  /** A quoted string or a literal, as raw octets. */
  stringBytes(what = 'a string'): Buffer {
    const c = this.peek();
    if (c === '"') return this.quoted();
    if (c === '{') return this.literal();
    throw new ParseError(`Expected ${what}`);
  }

  private quoted(): Buffer {
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.line[this.pos++];
      if (c === undefined) throw new ParseError('Unterminated quoted string');
      if (c === '"') break;
      if (c === '\\') {
        const n = this.line[this.pos++];
        if (n !== '"' && n !== '\\') throw new ParseError('Bad escape in quoted string');
        out += n;
      } else if (c === '\r' || c === '\n' || c === '\0') {
        throw new ParseError('Bad character in quoted string');
      } else out += c;
    }
    return Buffer.from(out, 'latin1');
  }

  private literal(): Buffer {
    const m = /^\{(\d+)\+?\}$/.exec(this.line.slice(this.pos));
    if (!m || this.li >= this.raw.literals.length) throw new ParseError('Malformed literal');
    const data = this.raw.literals[this.li]!;
    this.li++;
    this.line = this.raw.lines[this.li]!.toString('latin1');
    this.pos = 0;
    return data;
  }

  /** True when a literal comes next. */
  atLiteral(): boolean {
    return this.peek() === '{';
  }

  literalBytes(): Buffer {
    if (this.peek() !== '{') throw new ParseError('Expected a literal');
    return this.literal();
  }

  string(what?: string): string {
    return this.stringBytes(what).toString('utf8');
  }

  /** astring: an atom (']' allowed) or a string. */
  astring(what = 'a string'): string {
    const c = this.peek();
    if (c === '"' || c === '{') return this.string(what);
    return Buffer.from(this.atom(what), 'latin1').toString('utf8');
  }

  /** nstring: NIL or a string. */
  nstring(what?: string): string | null {
    if (this.peek() !== '"' && this.peek() !== '{' && this.accept('NIL')) return null;
    return this.string(what);
  }

  /** A parenthesised list: `item` is called for each element (after the first, a space is read first). */
  list(item: () => void, allowEmpty = true): void {
    this.expect('(');
    if (this.accept(')')) {
      if (!allowEmpty) throw new ParseError('Empty list');
      return;
    }
    for (;;) {
      item();
      if (this.accept(')')) return;
      this.sp();
    }
  }
}

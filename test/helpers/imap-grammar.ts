// A recursive-descent checker for the RFC 3501 §9 productions a FETCH of
// ENVELOPE, BODY and BODYSTRUCTURE returns: envelope, address, body (all
// three one-part kinds and multipart, with or without extension data),
// nstring, quoted and literal. Throws, naming the offset, on the first octet
// the grammar does not allow; literal lengths are checked as octet counts.

export class GrammarError extends Error {}

class Parser {
  pos = 0;
  constructor(readonly b: Buffer) {}

  fail(what: string): never {
    const near = this.b.subarray(Math.max(0, this.pos - 30), this.pos + 30).toString('latin1');
    throw new GrammarError(`expected ${what} at offset ${this.pos} near ${JSON.stringify(near)}`);
  }
  peek(s: string): boolean {
    return this.b.toString('latin1', this.pos, this.pos + s.length).toUpperCase() === s;
  }
  expect(s: string): void {
    if (!this.peek(s)) this.fail(JSON.stringify(s));
    this.pos += s.length;
  }
  sp(): void {
    this.expect(' ');
  }
  end(): void {
    if (this.pos !== this.b.length) this.fail('end of input');
  }

  /** string = quoted / literal; returns its value (Latin-1 view of the octets). */
  string(): string {
    const c = this.b[this.pos];
    if (c === 0x22) return this.quoted();
    if (c === 0x7b) return this.literal();
    return this.fail('string');
  }
  quoted(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      const c = this.b[this.pos];
      if (c === undefined) this.fail('closing DQUOTE');
      this.pos++;
      if (c === 0x22) return out;
      if (c === 0x5c) {
        const e = this.b[this.pos];
        if (e !== 0x22 && e !== 0x5c) this.fail('quoted-specials after backslash');
        this.pos++;
        out += String.fromCharCode(e);
        continue;
      }
      // QUOTED-CHAR: TEXT-CHAR (CHAR without CR, LF; CHAR excludes NUL and 8-bit).
      if (c === 0 || c === 13 || c === 10 || c > 0x7f) {
        this.pos--;
        this.fail('QUOTED-CHAR');
      }
      out += String.fromCharCode(c);
    }
  }
  literal(): string {
    this.expect('{');
    const n = this.number();
    this.expect('}\r\n');
    if (this.pos + n > this.b.length) this.fail(`${n} literal octets`);
    const v = this.b.subarray(this.pos, this.pos + n);
    if (v.includes(0)) this.fail('CHAR8 (no NUL)');
    this.pos += n;
    return v.toString('latin1');
  }
  number(): number {
    const start = this.pos;
    while (this.pos < this.b.length && this.b[this.pos]! >= 0x30 && this.b[this.pos]! <= 0x39) this.pos++;
    if (this.pos === start) this.fail('number');
    return Number(this.b.toString('latin1', start, this.pos));
  }
  nil(): boolean {
    if (!this.peek('NIL')) return false;
    this.pos += 3;
    return true;
  }
  nstring(): string | null {
    return this.nil() ? null : this.string();
  }

  envelope(): void {
    this.expect('(');
    this.nstring(); // date
    this.sp();
    this.nstring(); // subject
    for (let i = 0; i < 6; i++) {
      this.sp();
      this.addressList();
    }
    this.sp();
    this.nstring(); // in-reply-to
    this.sp();
    this.nstring(); // message-id
    this.expect(')');
  }
  addressList(): void {
    if (this.nil()) return;
    this.expect('(');
    do this.address();
    while (this.b[this.pos] === 0x28);
    this.expect(')');
  }
  address(): void {
    this.expect('(');
    this.nstring();
    this.sp();
    this.nstring();
    this.sp();
    this.nstring();
    this.sp();
    this.nstring();
    this.expect(')');
  }

  /** body; `extended` says whether extension data must (true) or must not (false) follow. */
  body(extended: boolean): void {
    this.expect('(');
    if (this.b[this.pos] === 0x28) {
      do this.body(extended);
      while (this.b[this.pos] === 0x28);
      this.sp();
      this.string(); // media-subtype
      if (extended) {
        this.sp();
        this.params();
        this.extTail();
      }
    } else {
      const type = this.string().toUpperCase();
      this.sp();
      const subtype = this.string().toUpperCase();
      this.sp();
      this.params();
      this.sp();
      this.nstring(); // id
      this.sp();
      this.nstring(); // description
      this.sp();
      this.string(); // encoding
      this.sp();
      this.number(); // octets
      if (type === 'MESSAGE' && subtype === 'RFC822') {
        this.sp();
        this.envelope();
        this.sp();
        this.body(extended);
        this.sp();
        this.number();
      } else if (type === 'TEXT') {
        this.sp();
        this.number();
      }
      if (extended) {
        this.sp();
        this.nstring(); // md5
        this.extTail();
      }
    }
    this.expect(')');
  }
  /** [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]] */
  extTail(): void {
    if (this.b[this.pos] !== 0x20) return;
    this.sp();
    if (!this.nil()) {
      this.expect('(');
      this.string();
      this.sp();
      this.params();
      this.expect(')');
    }
    if (this.b[this.pos] !== 0x20) return;
    this.sp();
    if (this.b[this.pos] === 0x28) {
      this.expect('(');
      this.string();
      while (this.b[this.pos] === 0x20) {
        this.sp();
        this.string();
      }
      this.expect(')');
    } else this.nstring();
    if (this.b[this.pos] !== 0x20) return;
    this.sp();
    this.nstring();
    while (this.b[this.pos] === 0x20) {
      this.sp();
      this.extension();
    }
  }
  extension(): void {
    const c = this.b[this.pos];
    if (c === 0x28) {
      this.expect('(');
      this.extension();
      while (this.b[this.pos] === 0x20) {
        this.sp();
        this.extension();
      }
      this.expect(')');
    } else if (c !== undefined && c >= 0x30 && c <= 0x39) this.number();
    else this.nstring();
  }
  params(): void {
    if (this.nil()) return;
    this.expect('(');
    this.string();
    this.sp();
    this.string();
    while (this.b[this.pos] === 0x20) {
      this.sp();
      this.string();
      this.sp();
      this.string();
    }
    this.expect(')');
  }
}

const bytes = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s);

/** Throws a GrammarError unless `s` is exactly one RFC 3501 envelope. */
export function checkEnvelope(s: string | Buffer): void {
  const p = new Parser(bytes(s));
  p.envelope();
  p.end();
}

/** Throws unless `s` is exactly one body: BODYSTRUCTURE form when `extended`, else BODY form. */
export function checkBody(s: string | Buffer, extended: boolean): void {
  const p = new Parser(bytes(s));
  p.body(extended);
  p.end();
}

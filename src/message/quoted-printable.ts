// Quoted-printable encoding (RFC 2045 §6.7) of body lines, used to make
// over-long lines RFC 5322-safe without changing the content.
const HEX = '0123456789ABCDEF';

export function encodeQuotedPrintable(lines: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const line of lines) {
    let cur = '';
    for (let i = 0; i < line.length; i++) {
      const b = line[i]!;
      const last = i === line.length - 1;
      let tok: string;
      if ((b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last)) tok = String.fromCharCode(b);
      else tok = '=' + HEX[b >> 4] + HEX[b & 15];
      if (cur.length + tok.length > 75) {
        out.push(Buffer.from(cur + '=', 'latin1'));
        cur = '';
      }
      cur += tok;
    }
    out.push(Buffer.from(cur, 'latin1'));
  }
  return out;
}

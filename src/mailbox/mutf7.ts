// Modified UTF-7 (RFC 3501 §5.1.3): how IMAP writes mailbox names on the wire,
// and how Maildir++ folder directories are named on disk (as Dovecot does, so
// both servers agree on the same Maildir). "&" is "&-"; other non-ASCII runs
// are "&" + modified BASE64 (',' for '/') of UTF-16BE + "-".

/** Encodes a Unicode mailbox name. */
export function encodeMutf7(name: string): string {
  let out = '';
  let run = '';
  const flush = () => {
    if (!run) return;
    const u16 = Buffer.alloc(run.length * 2);
    for (let i = 0; i < run.length; i++) u16.writeUInt16BE(run.charCodeAt(i), i * 2);
    out += `&${u16.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    run = '';
  };
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else {
      run += ch;
    }
  }
  flush();
  return out;
}

/** Decodes a modified UTF-7 name; undefined when it is not valid modified UTF-7. */
export function decodeMutf7(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c > 0x7e) return undefined;
    if (ch !== '&') {
      out += ch;
      continue;
    }
    const end = s.indexOf('-', i + 1);
    if (end < 0) return undefined;
    const b64 = s.slice(i + 1, end);
    i = end;
    if (b64 === '') {
      out += '&';
      continue;
    }
    if (!/^[A-Za-z0-9+,]+$/.test(b64)) return undefined;
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0 || bytes.length === 0) return undefined;
    let run = '';
    for (let j = 0; j < bytes.length; j += 2) run += String.fromCharCode(bytes.readUInt16BE(j));
    // A run must hold something that needed encoding (no printable ASCII, RFC 3501 §5.1.3).
    if (/[\x20-\x7e]/.test(run)) return undefined;
    out += run;
  }
  return out;
}

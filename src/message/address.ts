// Envelope addresses: checking what arrives on argv, SMTP or the drop file, and
// pulling addresses out of To/Cc/Bcc header values (RFC 5322 §3.4) for -t.
// Hostile input: CR, LF, NUL, spaces and angle brackets are never let through.

/** Why an envelope address is unacceptable, or undefined when it is fine. '' (null sender) is checked by the caller. */
export function addressProblem(addr: string): string | undefined {
  if (addr.length === 0) return 'empty address';
  if (/[\r\n\0]/.test(addr)) return 'address contains a line break or NUL';
  if (/[\s<>(),;\\"\x00-\x1f\x7f]/.test(addr)) return `address ${JSON.stringify(addr)} contains spaces or characters not allowed in an address`;
  if (addr.length > 254) return 'address is longer than 254 characters';
  const at = addr.lastIndexOf('@');
  if (at === 0) return `address ${JSON.stringify(addr)} has no local part`;
  if (at > 0) {
    const local = addr.slice(0, at);
    const domain = addr.slice(at + 1);
    if (local.length > 64) return 'local part is longer than 64 characters';
    if (!/^(\[[0-9A-Fa-f:.]+\]|[^.@]+(\.[^.@]+)*)$/.test(domain)) return `address ${JSON.stringify(addr)} has a bad domain`;
  }
  return undefined;
}

/** Strips one pair of angle brackets: "<a@b>" -> "a@b". */
export function stripBrackets(s: string): string {
  const t = s.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1).trim() : t;
}

export function domainOf(addr: string): string {
  const at = addr.lastIndexOf('@');
  return at < 0 ? '' : addr.slice(at + 1).toLowerCase();
}

export function hasNonAscii(s: string): boolean {
  return /[^\x00-\x7f]/.test(s);
}

/**
 * The addresses in an address-list header value: display names, quoted strings,
 * comments and groups ("undisclosed-recipients:;") are understood.
 */
export function addressesInHeader(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let angle: string | null = null;
  const flush = () => {
    const a = (angle ?? cur).trim();
    if (a) out.push(a);
    cur = '';
    angle = null;
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"') {
      // a quoted string: part of a display name, or a quoted local part
      let j = i + 1;
      let q = '"';
      while (j < value.length && value[j] !== '"') {
        if (value[j] === '\\') q += value[j++];
        q += value[j++] ?? '';
      }
      cur += q + '"';
      i = j;
    } else if (c === '(') {
      let depth = 1;
      let j = i + 1;
      while (j < value.length && depth > 0) {
        if (value[j] === '\\') j++;
        else if (value[j] === '(') depth++;
        else if (value[j] === ')') depth--;
        j++;
      }
      i = j - 1;
    } else if (c === '<') {
      const end = value.indexOf('>', i);
      angle = value.slice(i + 1, end < 0 ? value.length : end);
      i = end < 0 ? value.length : end;
    } else if (c === ':') {
      cur = ''; // group name
    } else if (c === ',' || c === ';') {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  // Folding white space may sit around "." and "@" (RFC 5322 §4.4 obs-local-part,
  // obs-domain); anywhere else it makes the address invalid, and removing it
  // would send the mail to someone else ("john smith@x" is not "johnsmith@x").
  return out.map((a) => a.replace(/\s*([.@])\s*/g, '$1'));
}

// Canonical form of an IMAP response, for comparing two servers' answers to
// the same command: strings are strings whether sent quoted or as literals,
// FETCH items and flag lists are in a fixed order, untagged responses sorted,
// and what legitimately differs between servers is masked: UIDVALIDITY and
// MODSEQ values, capability lists, \Recent, the human text after OK/NO/BAD,
// and two response codes a server may send or not: HIGHESTMODSEQ on a plain
// SELECT (Dovecot sends it only once CONDSTORE is enabled; RFC 7162 has a
// server that keeps mod-sequences send it on every SELECT) and CLOSED when a
// SELECT replaces another without QRESYNC enabled (Dovecot always sends it).

type Tok = { s: string } | { a: string } | Tok[];

/** Splits a whole response (many lines, literals inline) into one token tree per response line. */
export function tokenize(buf: Buffer): Tok[][] {
  const lines: Tok[][] = [];
  let i = 0;
  const stack: Tok[][] = [[]];
  const push = (t: Tok) => stack[stack.length - 1]!.push(t);
  while (i < buf.length) {
    const c = buf[i]!;
    if (c === 0x0d || c === 0x0a) {
      if (c === 0x0a && stack.length === 1 && stack[0]!.length) lines.push(stack[0]!.splice(0));
      else if (c === 0x0a && stack.length > 1) {
        // A line ending inside a list: only a broken response; close it.
        while (stack.length > 1) stack.pop();
        lines.push(stack[0]!.splice(0));
      }
      i++;
    } else if (c === 0x20) i++;
    else if (c === 0x28 /* ( */) {
      const l: Tok[] = [];
      push(l);
      stack.push(l);
      i++;
    } else if (c === 0x29 /* ) */) {
      if (stack.length > 1) stack.pop();
      i++;
    } else if (c === 0x22 /* " */) {
      let s = '';
      i++;
      while (i < buf.length && buf[i] !== 0x22) {
        if (buf[i] === 0x5c) i++;
        s += String.fromCharCode(buf[i]!);
        i++;
      }
      i++;
      push({ s: Buffer.from(s, 'latin1').toString('utf8') });
    } else if (c === 0x7b /* { */ && /^\{\d+\+?\}\r\n/.test(buf.toString('latin1', i, i + 24))) {
      const close = buf.indexOf(0x7d, i);
      const n = Number(buf.toString('latin1', i + 1, close).replace('+', ''));
      const start = close + 3;
      push({ s: buf.toString('utf8', start, start + n) });
      i = start + n;
    } else {
      let j = i;
      // An atom; brackets belong to it (BODY[1.2.MIME], [UIDVALIDITY), but a
      // section's header list "BODY[HEADER.FIELDS (A B)]" is kept as one atom.
      let depth = 0;
      while (j < buf.length) {
        const d = buf[j]!;
        if (d === 0x5b) depth++;
        if (d === 0x5d) depth--;
        if (d === 0x0d || d === 0x0a || d === 0x22 || d === 0x7b) break;
        if (depth <= 0 && (d === 0x20 || d === 0x28 || d === 0x29)) break;
        j++;
      }
      if (j === i) j++;
      push({ a: buf.toString('latin1', i, j) });
      i = j;
    }
  }
  if (stack[0]!.length) lines.push(stack[0]!);
  return lines;
}

const render = (t: Tok): string => (Array.isArray(t) ? `(${t.map(render).join(' ')})` : 's' in t ? JSON.stringify(t.s) : t.a === 'NIL' ? 'NIL' : t.a);

function flagList(l: Tok[]): Tok[] {
  return l.filter((f) => !('a' in f && f.a === '\\Recent')).sort((x, y) => render(x).localeCompare(render(y)));
}

function canonFetchItems(items: Tok[]): Tok[] {
  const pairs: [Tok, Tok][] = [];
  for (let k = 0; k + 1 < items.length; k += 2) {
    const key = items[k]!;
    let val = items[k + 1]!;
    const name = 'a' in key ? key.a.toUpperCase() : '';
    if (name === 'FLAGS' && Array.isArray(val)) val = flagList(val);
    if (name === 'MODSEQ') val = [{ a: 'X' }];
    pairs.push([key, val]);
  }
  pairs.sort((x, y) => render(x[0]).localeCompare(render(y[0])));
  return pairs.flat();
}

/** One response line in canonical text, or undefined when it is one to ignore. */
function canonLine(toks: Tok[]): string | undefined {
  const a = (k: number) => {
    const t = toks[k];
    return t && !Array.isArray(t) && 'a' in t ? t.a.toUpperCase() : '';
  };
  if (a(0) === '*' && a(1) === 'CAPABILITY') return undefined;
  // A status response (tagged or untagged): the status and response code, not the text.
  const statusAt = 1; // after the tag or '*'
  if (['OK', 'NO', 'BAD', 'PREAUTH', 'BYE'].includes(a(statusAt))) {
    // A response code is one atom here ("[PERMANENTFLAGS (\\Seen \\*)]").
    let c = a(statusAt + 1).startsWith('[') ? render(toks[statusAt + 1]!) : '';
    if (/^\[CAPABILITY/i.test(c)) c = '';
    c = c.replace(/^\[(UIDVALIDITY|HIGHESTMODSEQ) \d+\]$/i, '[$1 X]');
    if (a(0) === '*' && /^\[(HIGHESTMODSEQ X|CLOSED)\]$/i.test(c)) return undefined;
    const perm = /^\[PERMANENTFLAGS \((.*)\)\]$/i.exec(c);
    if (perm) c = `[PERMANENTFLAGS (${perm[1]!.split(' ').filter(Boolean).sort().join(' ')})]`;
    return `${a(0) === '*' ? '*' : 'TAG'} ${a(statusAt)} ${c}`.trimEnd();
  }
  if (a(0) !== '*') return toks.map(render).join(' ');
  if (a(2) === 'RECENT') return undefined;
  if (a(1) === 'FLAGS' && Array.isArray(toks[2])) return `* FLAGS ${render(flagList(toks[2]))}`;
  if (a(2) === 'FETCH' && Array.isArray(toks[3])) return `* ${a(1)} FETCH ${render(canonFetchItems(toks[3]))}`;
  if (a(1) === 'SEARCH') {
    const nums = toks.slice(2).map(render);
    const mod = nums.findIndex((n) => n.startsWith('(MODSEQ'));
    return `* SEARCH ${nums.slice(0, mod >= 0 ? mod : undefined).map(Number).sort((x, y) => x - y).join(' ')}`.trimEnd();
  }
  if (a(1) === 'STATUS' && Array.isArray(toks[3])) {
    const l = toks[3];
    const pairs: string[] = [];
    for (let k = 0; k + 1 < l.length; k += 2) pairs.push(`${render(l[k]!)} ${/HIGHESTMODSEQ|UIDVALIDITY/i.test(render(l[k]!)) ? 'X' : render(l[k + 1]!)}`);
    return `* STATUS ${render(toks[2]!)} (${pairs.sort().join(' ')})`;
  }
  if (a(1) === 'LIST' || a(1) === 'LSUB') {
    const attrs = Array.isArray(toks[2]) ? render(flagList(toks[2])) : '';
    return `* ${a(1)} ${attrs} ${toks.slice(3).map(render).join(' ')}`;
  }
  return toks.map(render).join(' ');
}

/** The canonical lines of a command's whole response, untagged sorted, tagged last. */
export function canonical(buf: Buffer): string[] {
  const lines = tokenize(buf).map(canonLine).filter((l): l is string => l !== undefined);
  const tagged = lines.filter((l) => !l.startsWith('* '));
  return [...lines.filter((l) => l.startsWith('* ')).sort(), ...tagged];
}

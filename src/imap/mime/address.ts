// Address lists (RFC 5322 §3.4) as ENVELOPE needs them (RFC 3501 §7.4.2):
// display name, source route, mailbox and host, with groups as a start marker
// (host NIL) and an end marker (all NIL). Names stay as written (encoded words
// are not decoded). Like Dovecot, a missing mailbox or host is reported as
// MISSING_MAILBOX / MISSING_DOMAIN so a broken address is never read as a group.
import { Rfc822Reader } from './rfc822.js';

export interface Address {
  readonly name: string | undefined;
  readonly route: string | undefined;
  readonly mailbox: string | undefined;
  readonly host: string | undefined;
}

/** At most this many addresses per field, so a hostile header cannot make a huge response. */
const MAX_ADDRESSES = 1000;

export function parseAddressList(value: string): Address[] {
  const r = new Rfc822Reader(value);
  const out: Address[] = [];
  while (r.skipLwsp() && out.length < MAX_ADDRESSES) {
    if (r.peek() === ',') {
      r.pos++;
      continue;
    }
    const start = r.pos;
    if (!group(r, out)) {
      r.pos = start;
      out.push(mailbox(r));
    }
    r.skipLwsp();
    if (!r.done && r.peek() !== ',') r.skipPast(',');
  }
  return out;
}

/** `phrase ":" [mailbox-list] ";"`; false (nothing consumed) when this is not a group. */
function group(r: Rfc822Reader, out: Address[]): boolean {
  const name = phrase(r);
  if (name === undefined || r.peek() !== ':') return false;
  r.pos++;
  out.push({ name: undefined, route: undefined, mailbox: name, host: undefined });
  while (r.skipLwsp() && r.peek() !== ';' && out.length < MAX_ADDRESSES) {
    if (r.peek() === ',') {
      r.pos++;
      continue;
    }
    out.push(mailbox(r));
    r.skipLwsp();
    if (!r.done && r.peek() !== ',' && r.peek() !== ';') {
      while (!r.done && r.peek() !== ',' && r.peek() !== ';') r.pos++;
    }
  }
  if (r.peek() === ';') r.pos++;
  out.push({ name: undefined, route: undefined, mailbox: undefined, host: undefined });
  return true;
}

/** Words (atoms or quoted strings) joined by one space; undefined when there is none. */
function phrase(r: Rfc822Reader): string | undefined {
  const words: string[] = [];
  for (;;) {
    r.skipLwsp();
    let w: string | undefined;
    if (r.peek() === '"') {
      w = r.quoted();
      if (w === undefined) return undefined;
    } else {
      w = r.atom(true);
      if (w === '') break;
    }
    words.push(w);
  }
  return words.length === 0 ? undefined : words.join(' ');
}

/** name-addr or addr-spec, with its comment as the name of a bare addr-spec. */
function mailbox(r: Rfc822Reader): Address {
  const start = r.pos;
  const name = phrase(r);
  if (r.peek() === '<') {
    r.pos++;
    r.skipLwsp();
    let route: string | undefined;
    if (r.peek() === '@') {
      const end = r.s.indexOf(':', r.pos);
      const close = r.s.indexOf('>', r.pos);
      if (end >= 0 && (close < 0 || end < close)) {
        route = r.s.slice(r.pos, end).replace(/\s+/g, '');
        r.pos = end + 1;
      }
    }
    const spec = addrSpec(r);
    r.skipLwsp();
    if (r.peek() === '>') r.pos++;
    else spec.broken = true;
    return finish(name === '' ? undefined : name, route, spec);
  }
  r.pos = start;
  r.lastComment = undefined;
  const spec = addrSpec(r);
  r.skipLwsp();
  const comment = r.lastComment;
  return finish(comment === '' ? undefined : comment, undefined, spec);
}

interface Spec {
  local: string;
  domain: string;
  broken: boolean;
}

/** local-part "@" domain, each dot-atom, quoted string (kept quoted) or domain literal. */
function addrSpec(r: Rfc822Reader): Spec {
  const spec: Spec = { local: '', domain: '', broken: false };
  spec.local = dotted(r, spec, false);
  r.skipLwsp();
  if (r.peek() === '@') {
    r.pos++;
    r.skipLwsp();
    spec.domain = dotted(r, spec, true);
  }
  return spec;
}

function dotted(r: Rfc822Reader, spec: Spec, domain: boolean): string {
  let out = '';
  for (;;) {
    r.skipLwsp();
    const c = r.peek();
    if (c === '"' && !domain) {
      const q = r.quoted();
      if (q === undefined) {
        spec.broken = true;
        return '';
      }
      out += `"${q}"`;
    } else if (c === '[' && domain) {
      const end = r.s.indexOf(']', r.pos);
      if (end < 0) {
        spec.broken = true;
        return '';
      }
      out += r.s.slice(r.pos, end + 1);
      r.pos = end + 1;
    } else {
      const a = r.atom(false);
      if (a === '') return out;
      out += a;
    }
    r.skipLwsp();
    if (r.peek() !== '.') return out;
    r.pos++;
    out += '.';
  }
}

function finish(name: string | undefined, route: string | undefined, spec: Spec): Address {
  if (spec.broken && spec.local !== '' && spec.domain !== '') return { name, route, mailbox: spec.local, host: spec.domain };
  return {
    name,
    route,
    mailbox: spec.broken || spec.local === '' ? 'MISSING_MAILBOX' : spec.local,
    host: spec.broken || spec.domain === '' ? 'MISSING_DOMAIN' : spec.domain,
  };
}

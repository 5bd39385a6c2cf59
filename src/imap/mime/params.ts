// Content-Type, Content-Disposition and Content-Language values (RFC 2045
// §5.1, RFC 2183, RFC 3282) with RFC 2231 parameter continuations merged the
// way Dovecot reports them: `name*0`, `name*1` become one `name`; when any
// segment is extended (`*0*`) the result is `name*` holding the still-encoded
// `charset'lang'%XX` value; merged parameters follow the plain ones.
import { Rfc822Reader } from './rfc822.js';

export type Param = readonly [string, string];

export interface ContentType {
  readonly type: string;
  readonly subtype: string;
  readonly params: readonly Param[];
}

/** Parses `type/subtype; params`. Broken values give what Dovecot gives: '' parts and no parameters. */
export function parseContentType(value: string): ContentType {
  const r = new Rfc822Reader(value);
  r.skipLwsp();
  const type = r.mimeToken();
  if (type === '') return { type: '', subtype: '', params: [] };
  if (r.peek() !== '/') return { type, subtype: '', params: [] };
  r.pos++;
  if (!r.skipLwsp()) return { type: '', subtype: '', params: [] };
  const subtype = r.mimeToken();
  if (subtype === '') return { type: '', subtype: '', params: [] };
  r.skipLwsp();
  return { type, subtype, params: parseParams(r) };
}

export interface Disposition {
  readonly type: string;
  readonly params: readonly Param[];
}

export function parseDisposition(value: string): Disposition | undefined {
  const r = new Rfc822Reader(value);
  r.skipLwsp();
  const type = r.mimeToken();
  if (type === '') return undefined;
  r.skipLwsp();
  return { type, params: parseParams(r) };
}

/** Content-Language: a comma-separated list of language tags. */
export function parseLanguage(value: string): string[] {
  const r = new Rfc822Reader(value);
  const out: string[] = [];
  while (r.skipLwsp()) {
    const tag = r.mimeToken();
    if (tag !== '') out.push(tag);
    r.skipLwsp();
    if (r.done) break;
    if (r.peek() !== ',' || tag === '') r.skipPast(',');
    else r.pos++;
  }
  return out;
}

/** `; key=value` pairs; a broken pair is skipped up to the next ';'. */
function parseParams(r: Rfc822Reader): Param[] {
  const plain: Param[] = [];
  const ext: { key: string; idx: number; extended: boolean; value: string }[] = [];
  while (!r.done) {
    if (r.peek() !== ';') {
      r.skipPast(';');
      r.pos--;
      if (r.done) break;
    }
    r.pos++;
    if (!r.skipLwsp()) break;
    const key = r.mimeToken();
    r.skipLwsp();
    if (key === '' || r.peek() !== '=') continue;
    r.pos++;
    r.skipLwsp();
    let value: string | undefined;
    if (r.peek() === '"') value = r.quoted();
    else if (r.peek() === '=') value = bareWord(r); // an unquoted encoded word, as broken mailers write
    else value = r.mimeToken();
    if (value === undefined) break;
    r.skipLwsp();
    const star = key.indexOf('*');
    const seg = star < 0 ? undefined : /^\*(\d*)(\*?)$/.exec(key.slice(star));
    if (star < 0 || !seg) plain.push([key, value]);
    else ext.push({ key: key.slice(0, star), idx: seg[1] === '' ? 0 : Number(seg[1]), extended: seg[2] === '*' || seg[1] === '', value });
  }
  return ext.length === 0 ? plain : plain.concat(mergeContinuations(ext));
}

function bareWord(r: Rfc822Reader): string {
  const s = r.s;
  const start = r.pos;
  while (r.pos < s.length && !/[;\s]/.test(s[r.pos]!)) r.pos++;
  return s.slice(start, r.pos);
}

/** RFC 2231 §3-4: segments sorted by name and index; a gap in the indexes leaves them unmerged. */
function mergeContinuations(ext: { key: string; idx: number; extended: boolean; value: string }[]): Param[] {
  ext.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.idx - b.idx));
  const out: Param[] = [];
  for (let i = 0; i < ext.length; ) {
    let j = i;
    let ok = true;
    let extended = false;
    for (; j < ext.length && ext[j]!.key.toLowerCase() === ext[i]!.key.toLowerCase(); j++) {
      if (ext[j]!.idx !== j - i) ok = false;
      if (ext[j]!.extended) extended = true;
    }
    const group = ext.slice(i, j);
    if (!ok) {
      for (const g of group) out.push([`${g.key}*${g.idx}${g.extended ? '*' : ''}`, g.value]);
    } else {
      const value = (!group[0]!.extended && extended ? "''" : '') + group.map((g) => g.value).join('');
      out.push([extended ? `${group[0]!.key}*` : group[0]!.key, value]);
    }
    i = j;
  }
  return out;
}

/** The value of parameter `name` (case-insensitive). */
export function paramValue(params: readonly Param[], name: string): string | undefined {
  for (const [k, v] of params) if (k.toLowerCase() === name) return v;
  return undefined;
}

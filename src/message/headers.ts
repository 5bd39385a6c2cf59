// The header section of a message held as raw lines (CRLF stripped), so that
// fix-ups never re-encode what the submitter wrote.

export interface HeaderField {
  /** Field name as written. */
  name: string;
  /** All physical lines of the field, the first one "Name: value", the others continuations. */
  lines: string[];
}

export function fieldValue(f: HeaderField): string {
  const first = f.lines[0]!;
  return [first.slice(first.indexOf(':') + 1), ...f.lines.slice(1)].join(' ').trim();
}

export const isFieldLine = (line: string): boolean => /^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(line);
export const isContinuation = (line: string): boolean => line.startsWith(' ') || line.startsWith('\t');

export function fieldName(line: string): string {
  return line.slice(0, line.indexOf(':')).trim();
}

export function findFields(fields: HeaderField[], name: string): HeaderField[] {
  const lower = name.toLowerCase();
  return fields.filter((f) => f.name.toLowerCase() === lower);
}

export function hasField(fields: HeaderField[], name: string): boolean {
  return findFields(fields, name).length > 0;
}

/** RFC 5322 §3.3 date-time in local time, e.g. "Fri, 27 Nov 2026 06:29:24 +0000". */
export function rfc5322Date(d: Date = new Date()): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return `${days[d.getDay()]}, ${d.getDate()} ${months[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${sign}${p(Math.floor(abs / 60))}${p(abs % 60)}`;
}

// The day comparisons of SEARCH BEFORE/ON/SINCE and SENTBEFORE/SENTON/SENTSINCE
// (RFC 3501 §6.4.4): both disregard time and time zone. INTERNALDATE is taken
// in the server's time zone (as FETCH INTERNALDATE shows it); the Date: header
// by the calendar day written in it, whatever zone it names.
import { headerValues, sentDateOf } from '../mime/index.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** YYYY-MM-DD of a time in the server's zone. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * YYYY-MM-DD of a header block's Date: field as written (RFC 5322 §3.3
 * "day month year"), undefined when there is none or it cannot be read. Falls
 * back to the parsed instant in UTC for forms the pattern does not cover.
 */
export function sentDay(header: Buffer): string | undefined {
  const value = headerValues(header, 'Date')[0];
  if (value === undefined) return undefined;
  const m = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})/.exec(value);
  if (m) {
    const month = MONTHS.indexOf(m[2]!.toLowerCase());
    let year = Number(m[3]);
    if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900; // RFC 5322 §4.3 obsolete two-digit years
    else if (m[3]!.length === 3) year += 1900;
    if (month >= 0) return `${pad(year, 4)}-${pad(month + 1)}-${pad(Number(m[1]))}`;
  }
  const ms = sentDateOf(header);
  return ms === undefined ? undefined : new Date(ms).toISOString().slice(0, 10);
}

/** Compares a message's day with the searched day. */
export function compareDay(day: string, cmp: 'before' | 'on' | 'since', wanted: string): boolean {
  if (cmp === 'before') return day < wanted;
  if (cmp === 'on') return day === wanted;
  return day >= wanted;
}

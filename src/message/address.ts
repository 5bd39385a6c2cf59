// Envelope addresses: the syntax check applied to whatever arrives on argv,
// SMTP, -t headers or a drop file (RFC 5321 §4.1.2 with RFC 6531's UTF-8),
// and small helpers. Hostile input: CR, LF, NUL, unquoted spaces and angle
// brackets are never let through. Address lists in headers: address-list.ts.
import { domainToASCII } from 'node:url';

// atext (RFC 5322 §3.2.3), plus any non-ASCII character but white space, C1
// controls and invisible format characters (RFC 6531 §3.3 UTF8-non-ascii).
const ATOM = /(?:[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]|(?![\s\u200b\u2060\ufeff])[\u00a0-\u{10ffff}])+/u;
const DOT_ATOM = new RegExp(`^${ATOM.source}(?:\\.${ATOM.source})*$`, 'u');
// Quoted-string: qtextSMTP is %d32-33 / %d35-91 / %d93-126, quoted-pairSMTP is "\" %d32-126.
const QUOTED_STRING = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e]|(?![\s\u200b\u2060\ufeff])[\u00a0-\u{10ffff}])*"$/u;
const LDH_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

// The URL parser (node:url, already loaded) checks IPv6 syntax; node:net would
// pull the whole stream stack into sendmail's start-up for two lines.
function isIPv6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}

/** The end (index after the closing quote) of a quoted string at the start of s, or -1. */
function quotedEnd(s: string): number {
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i + 1;
  }
  return -1;
}

function localPartProblem(local: string): string | undefined {
  if (Buffer.byteLength(local) > 64) return 'has a local part longer than 64 octets';
  if (local.startsWith('"')) return QUOTED_STRING.test(local) ? undefined : 'has a quoted local part with a character not allowed in it';
  if (DOT_ATOM.test(local)) return undefined;
  if (/[<>]/.test(local)) return 'has an unbalanced or misplaced angle bracket';
  if (/\s/.test(local)) return 'contains white space (quote a local part that has spaces)';
  if (/^\.|\.$|\.\./.test(local)) return 'has a local part that starts or ends with a dot, or has two dots in a row';
  return 'has a character not allowed in an unquoted local part';
}

function domainProblem(domain: string): string | undefined {
  if (domain === '') return 'has nothing after the "@"';
  if (domain.startsWith('[')) {
    // An address literal (RFC 5321 §4.1.3): [192.0.2.1] or [IPv6:2001:db8::1].
    const lit = domain.endsWith(']') ? domain.slice(1, -1) : undefined;
    if (lit !== undefined && (IPV4.test(lit) || (/^IPv6:/i.test(lit) && isIPv6(lit.slice(5))))) return undefined;
    return 'has a bad address literal (write [192.0.2.1] or [IPv6:2001:db8::1])';
  }
  if (domain.includes('@')) return 'has more than one "@" (an "@" in the local part must be quoted)';
  if (/\s/.test(domain)) return 'contains white space in its domain';
  // A domain in UTF-8 (RFC 6531) is checked as its A-labels (RFC 5890).
  const ascii = /^[\x00-\x7f]*$/.test(domain) ? domain : domainToASCII(domain);
  // A U-label may not start or end with a hyphen either (RFC 5891 §4.2.3.1); its A-label would.
  if (!ascii || (ascii !== domain && domain.split('.').some((l) => l.startsWith('-') || l.endsWith('-')))) return 'has a domain that is not a valid internationalised name';
  if (ascii.length > 253) return 'has a domain longer than 253 characters';
  for (const label of ascii.split('.')) {
    if (label === '') return 'has an empty label in its domain (a leading, trailing or doubled dot)';
    if (label.length > 63) return 'has a domain label longer than 63 characters';
    if (!LDH_LABEL.test(label)) return `has a bad domain label ${JSON.stringify(label)} (letters, digits and hyphens, not at either end)`;
  }
  return undefined;
}

/**
 * Why an envelope address is unacceptable, or undefined when it is fine. A
 * bare name (no "@") is checked as a local part. '' (the null sender) is the
 * caller's to allow. Each reason names the address.
 */
export function addressProblem(addr: string): string | undefined {
  if (addr.length === 0) return 'empty address';
  if (/[\r\n\0]/.test(addr)) return 'address contains a line break or NUL';
  if (Buffer.byteLength(addr) > 254) return 'address is longer than 254 characters';
  const q = JSON.stringify(addr);
  if (/[\x00-\x1f\x7f]/.test(addr)) return `address ${q} contains a control character`;
  let at: number;
  if (addr.startsWith('"')) {
    const end = quotedEnd(addr);
    if (end < 0) return `address ${q} has an unclosed quote`;
    at = end === addr.length ? -1 : end;
    if (at >= 0 && addr[at] !== '@') return `address ${q} has text after its quoted local part`;
  } else {
    at = addr.indexOf('@');
  }
  if (at === 0) return `address ${q} has no local part`;
  const why = localPartProblem(at < 0 ? addr : addr.slice(0, at)) ?? (at < 0 ? undefined : domainProblem(addr.slice(at + 1)));
  return why && `address ${q} ${why}`;
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

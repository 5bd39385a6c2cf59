// Maildir file names (cr.yp.to/proto/maildir.html, Dovecot's extensions):
// `<base>[:2,<flags>]` where base may carry `,S=<size>` and `,W=<size>`.
// Pure functions only; the directory itself is handled by maildir.ts.
import { createHash } from 'node:crypto';

export interface MaildirName {
  /** The unique part before ':' — never changes when flags do. */
  base: string;
  /** Flag letters from `:2,` info, sorted (D draft, F flagged, P passed, R replied, S seen, T trashed). */
  flags: string;
  /** `,S=` from the name: the file size as delivered. */
  sizeHint?: number;
  /** `,W=` from the name: the size with CRLF line endings (Dovecot's "virtual" size). */
  wireSizeHint?: number;
}

/** Splits a Maildir file name into its unique base, flags and size hints. */
export function parseMaildirName(name: string): MaildirName {
  const colon = name.indexOf(':');
  const base = colon < 0 ? name : name.slice(0, colon);
  const info = colon < 0 ? '' : name.slice(colon + 1);
  const flags = info.startsWith('2,') ? sortFlags(info.slice(2)) : '';
  const out: MaildirName = { base, flags };
  for (const part of base.split(',').slice(1)) {
    const m = /^([SW])=(\d+)$/.exec(part);
    if (!m) continue;
    if (m[1] === 'S') out.sizeHint = Number(m[2]);
    else out.wireSizeHint = Number(m[2]);
  }
  return out;
}

/** Flag letters, unique and in ASCII order as the Maildir spec asks. */
export function sortFlags(flags: string): string {
  return [...new Set(flags.replace(/[^A-Za-z]/g, ''))].sort().join('');
}

/** The name a message has in cur/ with the given flags. */
export function curName(base: string, flags: string): string {
  return `${base}:2,${sortFlags(flags)}`;
}

/**
 * The POP3 unique id (RFC 1939 §7: 1–70 characters in 0x21–0x7E): the Maildir
 * base name, or an MD5 of it when the name does not fit those rules.
 */
export function uidlOf(base: string): string {
  if (base.length >= 1 && base.length <= 70 && /^[\x21-\x7e]+$/.test(base)) return base;
  return createHash('md5').update(base).digest('hex');
}

/** Names that are not messages: dot files (Dovecot's indexes, our own state). */
export function isMessageName(name: string): boolean {
  return name.length > 0 && !name.startsWith('.');
}

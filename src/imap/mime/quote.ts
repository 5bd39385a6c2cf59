// The two ways ENVELOPE and BODYSTRUCTURE strings are written, matching
// Dovecot byte for byte where RFC 3501 §4.3 allows either form: header values
// lose their line endings (unfolded) and go through str(); text meant for
// people (subject, display names) also has runs of whitespace collapsed and
// is trimmed, and is sent as a literal when it needed changing or holds a
// quote, backslash or 8-bit character (clients show literals verbatim).
import { literalPrefix, str } from '../encode.js';
import { unfold } from './header.js';

/** nstring of a header value with its line endings removed. */
export function nstrNoLf(s: string | undefined): string {
  return s === undefined ? 'NIL' : str(unfold(s));
}

const PLAIN = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/;

/** nstring for text read by people (Dovecot's imap_append_string_for_humans). */
export function nstrHuman(s: string | undefined): string {
  if (s === undefined) return 'NIL';
  if (s === '' || PLAIN.test(s)) return `"${s}"`;
  const t = s.replace(/[\r\n\t ]+/g, ' ').trim();
  return t === '' ? '""' : `${literalPrefix(Buffer.byteLength(t))}${t}`;
}

// Everything arriving on argv, stdin, a socket or a drop file is hostile until
// checked here: envelope addresses (the RFC 5321 syntax of message/address.ts) and
// the qualification of bare names with the local host name (as Postfix's
// myorigin). Used by sendmail, -bs, the local socket and maildrop pickup alike.
import { MailroomError } from '../shared/errors.js';
import { addressProblem, stripBrackets } from '../message/address.js';

export interface Qualify {
  hostname: string;
  masquerade?: string | undefined;
}

const bad = (msg: string) => new MailroomError('BAD_ADDRESS', msg);

/** The envelope sender: '' for the null sender, else a checked, qualified address. */
export function cleanSender(raw: string, q: Qualify): string {
  const a = stripBrackets(raw);
  if (a === '' || a === '<>') return '';
  const why = addressProblem(a);
  if (why) throw bad(`bad sender: ${why}`);
  return masquerade(qualify(a, q.masquerade ?? q.hostname), q);
}

/** A recipient: checked and qualified with the host name when bare. */
export function cleanRecipient(raw: string, q: Qualify): string {
  const a = stripBrackets(raw);
  const why = addressProblem(a);
  if (why) throw bad(`bad recipient: ${why}`);
  return qualify(a, q.hostname);
}

function qualify(a: string, domain: string): string {
  return a.includes('@') ? a : `${a}@${domain}`;
}

/** user@<hostname> -> user@<masquerade> (the `masquerade` setting). */
export function masquerade(a: string, q: Qualify): string {
  if (!q.masquerade) return a;
  const at = a.lastIndexOf('@');
  return at > 0 && a.slice(at + 1).toLowerCase() === q.hostname.toLowerCase() ? `${a.slice(0, at)}@${q.masquerade}` : a;
}

/** Drops repeated recipients (case-insensitively), keeping the first. */
export function uniqueRecipients<T extends { address: string }>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((r) => {
    const k = r.address.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

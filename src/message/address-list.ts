// The recipients in an address-list header (To, Cc, Bcc and their Resent-
// forms, RFC 5322 §3.4) for sendmail -t, read by nodemailer's addressparser:
// display names, quoted strings, comments and groups ("undisclosed-
// recipients:;"). addressparser forgives what a mail reader may forgive; an
// envelope may not: "a b@example.net" must not quietly become b@example.net.
import { createRequire } from 'node:module';
import { MailroomError } from '../shared/errors.js';

interface Parsed {
  name: string;
  address?: string;
  group?: Parsed[];
}

let parser: ((value: string) => Parsed[]) | undefined;

// Loaded on first use (only -t needs it), synchronously, by createRequire:
// the sendmail bundle keeps packages external and this off its start-up path.
function addressparser(value: string): Parsed[] {
  parser ??= createRequire(import.meta.url)('nodemailer/lib/addressparser') as (value: string) => Parsed[];
  return parser(value);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Angle brackets outside quoted strings and comments pair up, never nested. */
function anglesBalanced(value: string): boolean {
  let open = false;
  let comment = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') i++;
    else if (comment > 0) comment += c === '(' ? 1 : c === ')' ? -1 : 0;
    else if (c === '"') {
      for (i++; i < value.length && value[i] !== '"'; i++) if (value[i] === '\\') i++;
    } else if (c === '(' && !open) comment = 1;
    else if (c === '<') {
      if (open) return false;
      open = true;
    } else if (c === '>') {
      if (!open) return false;
      open = false;
    }
  }
  return !open && comment === 0;
}

/**
 * addressparser folds name-only entries into the display name of the mailbox
 * after them ("postmaster, Web <www-data>" gives one mailbox named
 * "postmaster, Web"), a guess for display that an envelope must not make: the
 * entries before the real display name (the longest quoted or commented tail,
 * else the last part) come back as bare names of their own.
 */
function unfold(name: string, value: string): { bare: string[]; name: string } {
  const parts = name.split(', ');
  for (let k = 0; k < parts.length - 1; k++) {
    const tail = parts.slice(k).join(', ');
    if (value.includes(`"${tail}"`) || value.includes(`(${tail})`)) return { bare: parts.slice(0, k), name: tail };
  }
  return { bare: parts.slice(0, -1), name: parts[parts.length - 1]! };
}

/**
 * The addresses of an address-list header value, as written (bare names are
 * returned as they are, for the caller to qualify and check). Throws a 'data'
 * MailroomError naming the header when the value cannot be read as a list of
 * whole addresses.
 */
export function addressesInHeader(header: string, value: string): string[] {
  const shown = JSON.stringify(value.trim().length > 200 ? `${value.trim().slice(0, 200)}...` : value.trim());
  const bad = (why: string) => new MailroomError('BAD_ADDRESS', `bad recipient in ${header}: ${shown} ${why}`);
  if (!anglesBalanced(value)) throw bad('has an unbalanced "<" or ">"');
  const out: string[] = [];
  const take = (m: Parsed) => {
    if (m.group) return m.group.forEach(take);
    const address = m.address ?? '';
    if (address === '') {
      // A bare name ("To: root", as cron writes it) comes back as a display name.
      if (m.name.trim() !== '') out.push(m.name.trim());
      return;
    }
    const { bare, name } = m.name.includes(', ') ? unfold(m.name, value) : { bare: [], name: m.name };
    out.push(...bare);
    // name-addr: the display name may be anything.
    if (new RegExp(`<\\s*${escapeRe(address)}\\s*>`).test(value)) return void out.push(address);
    // addr-spec: the only "name" it may have is a comment beside it (RFC 5322 §3.4);
    // any other text means the address had white space in it.
    if (name !== '' && !value.includes(`(${name})`)) throw bad('is not a list of whole addresses (white space inside an address?)');
    out.push(address);
  };
  addressparser(value).forEach(take);
  return out;
}

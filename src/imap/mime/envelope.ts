// ENVELOPE (RFC 3501 §7.4.2) of a header block: date, subject, from, sender,
// reply-to, to, cc, bcc, in-reply-to, message-id, written from the raw header
// values (nothing RFC 2047-decoded, as Dovecot sends them). Sender and
// reply-to default to from when absent or empty.
import { type Address, parseAddressList } from './address.js';
import { type Header, rawValue } from './header.js';
import { nstrHuman, nstrNoLf } from './quote.js';
import { nstr } from '../encode.js';

const FIELDS = ['date', 'subject', 'from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'in-reply-to', 'message-id'] as const;
type EnvField = (typeof FIELDS)[number];

/** ENVELOPE of a parsed header, in response syntax. */
export function writeEnvelope(h: Header): string {
  const v: Partial<Record<EnvField, string>> = {};
  let found = 0;
  for (const f of h.fields) {
    const k = f.name as EnvField;
    if (v[k] === undefined && (FIELDS as readonly string[]).includes(k)) {
      v[k] = rawValue(h, f);
      if (++found === FIELDS.length) break;
    }
  }
  const from = addresses(v.from);
  const sender = addresses(v.sender);
  const replyTo = addresses(v['reply-to']);
  return (
    `(${nstrNoLf(v.date)} ${nstrHuman(v.subject)} ${from} ${sender === 'NIL' ? from : sender} ` +
    `${replyTo === 'NIL' ? from : replyTo} ${addresses(v.to)} ${addresses(v.cc)} ${addresses(v.bcc)} ` +
    `${nstrNoLf(v['in-reply-to'])} ${nstrNoLf(v['message-id'])})`
  );
}

function addresses(value: string | undefined): string {
  if (value === undefined) return 'NIL';
  const list = parseAddressList(value);
  return list.length === 0 ? 'NIL' : `(${list.map(address).join('')})`;
}

function address(a: Address): string {
  return `(${nstrHuman(a.name)} ${nstr(a.route)} ${nstr(a.mailbox)} ${nstr(a.host)})`;
}


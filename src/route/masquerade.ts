// Masquerading (the `masquerade` setting) of sender headers: an address whose
// domain is exactly the host name becomes user@<masquerade> in From, Sender,
// Reply-To and their Resent- forms, as Postfix's masquerade_classes
// header_sender does. The envelope sender is masqueraded in submit/sanitize.ts.
// Subdomains and other hosts are left alone; nothing else in the message changes.
import type { HeaderField } from '../message/headers.js';

const SENDER_FIELDS = new Set(['from', 'sender', 'reply-to', 'resent-from', 'resent-sender']);

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Returns the header fields with sender addresses @hostname rewritten to @masquerade. */
export function masqueradeHeaders(fields: HeaderField[], hostname: string, masquerade: string | undefined): HeaderField[] {
  if (!masquerade || masquerade.toLowerCase() === hostname.toLowerCase()) return fields;
  // "@host" ending the address: followed by >, white space, a list separator, a comment or the end.
  const re = new RegExp(`@${escapeRe(hostname)}(?=[>\\s,;)]|$)`, 'gi');
  return fields.map((f) => {
    if (!SENDER_FIELDS.has(f.name.toLowerCase())) return f;
    const lines = f.lines.map((l, i) => {
      if (i > 0) return l.replace(re, `@${masquerade}`);
      const colon = l.indexOf(':');
      return l.slice(0, colon + 1) + l.slice(colon + 1).replace(re, `@${masquerade}`);
    });
    return lines.every((l, i) => l === f.lines[i]) ? f : { ...f, lines };
  });
}

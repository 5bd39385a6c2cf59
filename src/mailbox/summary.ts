// What a person sees of a message without opening it (`mailroom mail`): date,
// sender, subject, decoded (RFC 2047) by mailparser from the header block
// only, so a large message costs one small read.
import type { MailboxStore, MessageEntry } from './store.js';

export interface MessageSummary {
  date: Date | undefined;
  /** The sender's display name, else the address. */
  from: string;
  subject: string;
}

const HEAD_BYTES = 64 * 1024;

/** Reads the header of a message; undefined when the file is gone. */
export async function readSummary(store: MailboxStore, entry: MessageEntry): Promise<MessageSummary | undefined> {
  const fh = await store.open(entry);
  if (!fh) return undefined;
  let head: Buffer;
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const crlf = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  const end = [crlf, lf].filter((i) => i >= 0).sort((a, b) => a - b)[0];
  const { simpleParser } = await import('mailparser');
  const parsed = await simpleParser(end === undefined ? head : head.subarray(0, end + 2), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const first = parsed.from?.value[0];
  return { date: parsed.date, from: first?.name || first?.address || '', subject: parsed.subject ?? '' };
}

// What local delivery adds to and checks in a message: the Return-Path and
// Delivered-To trace headers (RFC 5321 §4.4; Postfix local(8)), the
// Delivered-To loop check, and the conversion from the spool's CRLF to the
// LF line ends that Maildir readers, mail(1) and commands expect.
import { foldField } from '../message/header-encode.js';

/** The spool holds CRLF; local mailboxes hold LF. A lone CR stays data. */
export function toUnixLines(message: Buffer): Buffer {
  let i = message.indexOf('\r\n');
  if (i < 0) return message;
  const out = Buffer.allocUnsafe(message.length);
  let w = 0;
  let from = 0;
  while (i >= 0) {
    w += message.copy(out, w, from, i);
    out[w++] = 0x0a;
    from = i + 2;
    i = message.indexOf('\r\n', from);
  }
  w += message.copy(out, w, from);
  return out.subarray(0, w);
}

/** `Return-Path: <sender>` and `Delivered-To: recipient`, LF-terminated. */
export function traceHeaders(sender: string, recipient: string): Buffer {
  return Buffer.from([...foldField('Return-Path', `<${sender}>`), ...foldField('Delivered-To', recipient), ''].join('\n'), 'utf8');
}

/** The header section (up to the first empty line) as latin1 text. */
function headerText(message: Buffer): string {
  let end = message.indexOf('\r\n\r\n');
  const lf = message.indexOf('\n\n');
  if (end < 0 || (lf >= 0 && lf < end)) end = lf;
  return message.subarray(0, end < 0 ? message.length : end).toString('latin1');
}

/**
 * True when the message already carries `Delivered-To: <recipient>`: it has
 * been here before and came back (a forwarding loop), as Postfix checks.
 */
export function alreadyDeliveredTo(message: Buffer, recipient: string): boolean {
  const want = recipient.toLowerCase();
  for (const m of headerText(message).matchAll(/^delivered-to:[ \t]*(.*?)[ \t]*\r?$/gim)) {
    if (m[1]!.replace(/^<|>$/g, '').toLowerCase() === want) return true;
  }
  return false;
}

// What IMAP needs to know of a message's MIME structure: ENVELOPE and
// BODYSTRUCTURE (RFC 3501 §7.4.2) already in response syntax, the octets of a
// BODY[section], and decoded text for SEARCH. Input is the message with CRLF
// line endings (Folder.read / readHeader). Nothing here throws on bad input.
import type { Section } from '../types.js';
import { writeBodyStructure } from './bodystructure.js';
import { writeEnvelope } from './envelope.js';
import { parseHeader } from './header.js';
import { parseMessage } from './parse.js';
import { sectionBytes } from './section.js';
import { decodedHeaderValues, messageSearchText, parseSentDate } from './search-text.js';

/** ENVELOPE of a header block, in response syntax: `("date" "subject" (from) ...)`. */
export function envelopeOf(header: Buffer): string {
  return writeEnvelope(parseHeader(header, 0, header.length));
}

/** BODYSTRUCTURE (extended = true) or BODY (extended = false) in response syntax. */
export function bodyStructureOf(message: Buffer, extended: boolean): string {
  return writeBodyStructure(parseMessage(message), extended);
}

/** The octets of BODY[section] (before any <partial>); an empty buffer for a section that does not exist. */
export function sectionOf(message: Buffer, section: Section): Buffer {
  return sectionBytes(parseMessage(message), section);
}

/** The decoded (RFC 2047, unfolded) values of a header field, for SEARCH HEADER/FROM/TO/CC/BCC/SUBJECT. */
export function headerValues(header: Buffer, field: string): string[] {
  return decodedHeaderValues(parseHeader(header, 0, header.length), field);
}

/** Decoded text for SEARCH: 'body' = the text parts' contents, 'text' = header and body. */
export function searchTextOf(message: Buffer, which: 'body' | 'text'): string {
  return messageSearchText(parseMessage(message), which);
}

/** The Date: header as ms since the epoch (SENTBEFORE/SENTON/SENTSINCE), undefined when absent or unreadable. */
export function sentDateOf(header: Buffer): number | undefined {
  return parseSentDate(parseHeader(header, 0, header.length));
}

// The header fields SEARCH asks for most (SUBJECT, FROM, TO, CC), decoded and
// folded once per message and kept in the folder's message cache, so a search
// over them reads no file once the cache is warm. Other fields are read anew.
import type { Folder } from '../../mailbox/folders.js';
import { headerValues } from '../mime/index.js';

/**
 * Fields kept in the cache, with their cache names (the number versions the
 * encoding): the folded values each preceded by NUL, '' when the field is
 * absent. IMAP strings cannot hold NUL, so a substring test on the joined
 * form never matches across two values, and nothing is parsed per message.
 */
const CACHED_FIELDS: ReadonlyMap<string, string> = new Map(['subject', 'from', 'to', 'cc'].map((f) => [f, `hdr2:${f}`]));

/** The values of a field in the joined form above. */
export type JoinedValues = string;

/** Lower-cased for case-insensitive comparison (RFC 3501 §6.4.4; full case folding is not needed for substrings here). */
export function fold(s: string): string {
  return s.toLowerCase();
}

/** The folded values of `field` from the cache, joined; undefined when not cached (or not a cached field). */
export function cachedFieldValues(folder: Folder | undefined, uid: number, field: string): JoinedValues | undefined {
  const name = CACHED_FIELDS.get(field.toLowerCase());
  if (!name || !folder?.cached) return undefined;
  return folder.cached(uid, name);
}

/** The folded values of `field` decoded from a header block, joined; cached when it is a cached field. */
export function fieldValues(folder: Folder | undefined, uid: number, header: Buffer, field: string): JoinedValues {
  const joined = headerValues(header, field)
    .map((v) => `\0${fold(v)}`)
    .join('');
  const name = CACHED_FIELDS.get(field.toLowerCase());
  if (name && folder?.remember) folder.remember(uid, name, joined);
  return joined;
}

/** Caches every cached field of a header block not cached yet (FETCH does it when it parses a header anyway). */
export function fillCachedFields(folder: Folder, uid: number, header: Buffer): void {
  if (!folder.cached || !folder.remember) return;
  for (const [field, name] of CACHED_FIELDS) if (folder.cached(uid, name) === undefined) fieldValues(folder, uid, header, field);
}

// The header fields SEARCH asks for most (SUBJECT, FROM, TO, CC), decoded and
// folded once per message and kept in the folder's message cache, so a search
// over them reads no file once the cache is warm. Other fields are read anew.
import type { Folder } from '../../mailbox/folders.js';
import { headerValues } from '../mime/index.js';

/** Fields kept in the cache, with their cache names (the suffix versions the encoding: a JSON array of folded values). */
const CACHED_FIELDS: ReadonlyMap<string, string> = new Map(['subject', 'from', 'to', 'cc'].map((f) => [f, `hdr1:${f}`]));

/** Lower-cased for case-insensitive comparison (RFC 3501 §6.4.4; full case folding is not needed for substrings here). */
export function fold(s: string): string {
  return s.toLowerCase();
}

/** The folded values of `field` from the cache; undefined when not cached (or not a cached field). */
export function cachedFieldValues(folder: Folder | undefined, uid: number, field: string): string[] | undefined {
  const name = CACHED_FIELDS.get(field.toLowerCase());
  if (!name || !folder?.cached) return undefined;
  const hit = folder.cached(uid, name);
  return hit === undefined ? undefined : (JSON.parse(hit) as string[]);
}

/** The folded values of `field` decoded from a header block; cached when it is a cached field. */
export function fieldValues(folder: Folder | undefined, uid: number, header: Buffer, field: string): string[] {
  const values = headerValues(header, field).map(fold);
  const name = CACHED_FIELDS.get(field.toLowerCase());
  if (name && folder?.remember) folder.remember(uid, name, JSON.stringify(values));
  return values;
}

/** Caches every cached field of a header block not cached yet (FETCH does it when it parses a header anyway). */
export function fillCachedFields(folder: Folder, uid: number, header: Buffer): void {
  if (!folder.cached || !folder.remember) return;
  for (const [field, name] of CACHED_FIELDS) if (folder.cached(uid, name) === undefined) fieldValues(folder, uid, header, field);
}

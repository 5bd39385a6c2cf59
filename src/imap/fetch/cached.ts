// The FETCH items answered from the folder's message cache (message-cache.ts):
// ENVELOPE, BODYSTRUCTURE and BODY are computed from the file once, then
// served from memory, so a FETCH of only those (and index items) opens no file.
import type { Folder } from '../../mailbox/folders.js';
import { bodyStructureOf, envelopeOf } from '../mime/index.js';
import { fillCachedFields } from '../search/cached.js';
import type { FetchAtt } from '../types.js';
import type { Loaded } from './source.js';

export type CachedItem = 'ENVELOPE' | 'BODYSTRUCTURE' | 'BODY';

/** Cache names; the version suffix changes when the rendering does, so old entries are not served. */
export const CACHE_NAME: Record<CachedItem, string> = { ENVELOPE: 'env1', BODYSTRUCTURE: 'bs1', BODY: 'body1' };

/** The cached items of a request when they are the only ones that need the file, else undefined. */
export function cachedOnly(items: readonly FetchAtt[]): CachedItem[] | undefined {
  const out: CachedItem[] = [];
  for (const a of items) {
    if (a.kind === 'ENVELOPE' || a.kind === 'BODYSTRUCTURE' || a.kind === 'BODY') out.push(a.kind);
    else if (a.kind === 'BODY[]' || a.kind === 'RFC822' || a.kind === 'RFC822.HEADER' || a.kind === 'RFC822.TEXT') return undefined;
  }
  return out;
}

/** Whether every one of `items` is cached for the message. */
export function allCached(folder: Folder, uid: number, items: readonly CachedItem[]): boolean {
  if (!folder.cached) return false;
  for (const i of items) if (folder.cached(uid, CACHE_NAME[i]) === undefined) return false;
  return true;
}

/** The item's value: cached, or computed from what is loaded (and then cached). */
export function cachedItem(folder: Folder, uid: number, item: CachedItem, src: Loaded): string {
  const name = CACHE_NAME[item];
  const hit = folder.cached?.(uid, name);
  if (hit !== undefined) return hit;
  const value = item === 'ENVELOPE' ? envelopeOf(src.header!) : bodyStructureOf(src.message!, item === 'BODYSTRUCTURE');
  folder.remember?.(uid, name, value);
  // The header is parsed anyway: SEARCH's common fields cost little more now.
  if (item === 'ENVELOPE') fillCachedFields(folder, uid, src.header!);
  return value;
}

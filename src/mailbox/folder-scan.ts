// What is on disk in a folder's new/ and cur/ against what its index says:
// two readdirs, no stat per file (a file is stat'ed once, when first seen,
// for its date and size, which the index then keeps). A file renamed by
// another reader (mutt, POP3) is the same message: the key is its base name.
import { closeSync, constants, fstatSync, openSync, promises as fsp, readSync } from 'node:fs';
import { join } from 'node:path';
import { isGone } from './maildir.js';
import { infoOf } from './keywords.js';
import type { FolderIndex, Msg } from './folder-index.js';
import { parseMaildirName, sortFlags } from './names.js';
import { crlfSizeOf } from './size.js';

/** base -> location ("n"/"c" + the rest of the file name after the base). */
export type Listing = Map<string, string>;

async function readdirOrUndefined(dir: string): Promise<string[] | undefined> {
  try {
    return await fsp.readdir(dir);
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
}

/** Lists new/ then cur/ (a file moved between the two readdirs is seen twice, kept once); undefined when the folder is gone. */
export async function listFolder(dir: string): Promise<Listing | undefined> {
  const out: Listing = new Map();
  const newNames = await readdirOrUndefined(join(dir, 'new'));
  const curNames = await readdirOrUndefined(join(dir, 'cur'));
  if (!newNames && !curNames) return undefined;
  for (const [letter, names] of [['n', newNames], ['c', curNames]] as const) {
    for (const name of names ?? []) {
      // Dot files are not messages; a name with white space or control
      // characters cannot be written into the index's lines (left alone).
      if (name.startsWith('.') || /[\x00-\x20\x7f]/.test(name)) continue;
      const colon = name.indexOf(':');
      const base = colon < 0 ? name : name.slice(0, colon);
      out.set(base, letter + (colon < 0 ? '' : name.slice(colon)));
    }
  }
  return out;
}

export interface ScanDiff {
  /** In the index, not on disk. */
  gone: Msg[];
  /** Flags differ: [message, new location]. */
  changed: Array<[Msg, string]>;
  /** Same flags, another name or directory (new/ -> cur/). */
  moved: Array<[Msg, string]>;
  /** On disk, not in the index: [base, location]. */
  fresh: Array<[string, string]>;
}

export function diffListing(index: FolderIndex, listing: Listing): ScanDiff {
  const d: ScanDiff = { gone: [], changed: [], moved: [], fresh: [] };
  for (const m of index.msgs) {
    const loc = listing.get(m.base);
    if (loc === undefined) d.gone.push(m);
    else if (loc !== m.loc) {
      if (sortFlags(infoOf(loc)) !== sortFlags(infoOf(m.loc))) d.changed.push([m, loc]);
      else d.moved.push([m, loc]);
    }
  }
  if (listing.size > index.msgs.length - d.gone.length) {
    for (const [base, loc] of listing) if (!index.byBase.has(base)) d.fresh.push([base, loc]);
  }
  return d;
}

export function isEmptyDiff(d: ScanDiff): boolean {
  return !d.gone.length && !d.changed.length && !d.moved.length && !d.fresh.length;
}

export interface FileFacts {
  /** CRLF size. */
  size: number;
  /** The file's mtime, whole seconds, in ms (IMAP INTERNALDATE has seconds). */
  internalDate: number;
}

const scanBuf = Buffer.allocUnsafe(64 * 1024);

/**
 * Date and size of a file seen for the first time; undefined when it is gone
 * meanwhile. Synchronous: for thousands of small files (a first scan) the
 * thread pool's round trips would cost ten times the reads themselves.
 */
export function factsOf(path: string, base: string): FileFacts | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
  try {
    const internalDate = Math.floor(fstatSync(fd).mtimeMs / 1000) * 1000;
    let size = parseMaildirName(base).wireSizeHint;
    if (size === undefined) {
      size = 0;
      let prevCR = false;
      for (let n; (n = readSync(fd, scanBuf, 0, scanBuf.length, null)) > 0; ) {
        const chunk = scanBuf.subarray(0, n);
        size += crlfSizeOf(chunk, prevCR);
        prevCR = chunk[n - 1] === 13;
      }
    }
    return { size, internalDate };
  } finally {
    closeSync(fd);
  }
}

/** factsOf for many files, letting other work run every few hundred files. */
export async function factsOfMany(dir: string, files: ReadonlyArray<readonly [string, string]>): Promise<Array<FileFacts | undefined>> {
  const out: Array<FileFacts | undefined> = new Array(files.length);
  for (let i = 0; i < files.length; i++) {
    if (i > 0 && i % 256 === 0) await new Promise((r) => setImmediate(r));
    const [base, loc] = files[i]!;
    out[i] = factsOf(join(dir, (loc[0] === 'n' ? 'new/' : 'cur/') + base + loc.slice(1)), base);
  }
  return out;
}

/** Finds a message's file again by its base name (after a rename by someone else). */
export async function locate(dir: string, base: string): Promise<string | undefined> {
  for (const [letter, sub] of [['c', 'cur'], ['n', 'new']] as const) {
    for (const name of (await readdirOrUndefined(join(dir, sub))) ?? []) {
      if (name === base || name.startsWith(`${base}:`)) return letter + name.slice(base.length);
    }
  }
  return undefined;
}

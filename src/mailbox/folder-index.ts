// The persistent UID index of one folder, `<folder>/mailroom-uidlist`: a
// header (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, first \Recent UID), one line
// per message, then an append-only log of changes, compacted by a rewrite
// (tmp + fsync + rename) when it grows. Format: FORMAT.md. Callers write only
// under the folder's lock (folder-lock.ts); reading needs no lock, since a
// torn last line is ignored and a compaction is an atomic rename.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, promises as fsp, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessageRecord } from './folders.js';

export const INDEX_FILE = 'mailroom-uidlist';
const MAGIC = 'mailroom-uidlist 1';
/** The header starts "mailroom-uidlist 1 G<12 hex digits>": the generation, new at every rewrite. */
const GEN_END = MAGIC.length + 14;

/** One message: the shared record every session sees, plus where its file is. */
export class Msg implements MessageRecord {
  constructor(
    readonly uid: number,
    readonly base: string,
    /** "n" + suffix (in new/) or "c" + suffix (in cur/), suffix = the name after the base (":2,FS"). Updated in place on a move. */
    public loc: string,
    readonly flags: readonly string[],
    readonly modseq: number,
    readonly size: number,
    readonly internalDate: number,
  ) {}

  /** The file relative to the folder: new/<name> or cur/<name>. */
  get path(): string {
    return (this.loc[0] === 'n' ? 'new/' : 'cur/') + this.base + this.loc.slice(1);
  }
}

export class IndexCorrupt extends Error {}

export interface IndexHeader {
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  firstRecentUid: number;
}

/** Where an index stands: enough, with the header, to take it up again in another process without reading its records. */
export interface IndexPosition {
  ino: number;
  /** Bytes applied. */
  size: number;
  gen: string;
  logLines: number;
}

/** Records not read yet (FolderIndex.defer): the file, held open, and the list once read. */
interface Pending {
  fd: number;
  size: number;
  msgs?: readonly Msg[];
}

export class FolderIndex {
  readonly file: string;
  header: IndexHeader = { uidValidity: 0, uidNext: 1, highestModseq: 1, firstRecentUid: 1 };
  /** Sorted by UID; replaced, never changed in place (snapshots share it). */
  private list: readonly Msg[] = [];
  private readonly bases = new Map<string, Msg>();
  private pending: Pending | undefined;
  /** Bytes of the file applied so far, and which file (a compaction replaces the inode). */
  private offset = 0;
  private ino = -1;
  private logLines = 0;
  private gen = '';
  /** Counts every change applied, by this process or read from the file. */
  version = 0;

  constructor(
    readonly dir: string,
    private readonly flagsOf: (loc: string) => readonly string[],
    /** Told after this process wrote the file (an append or a rewrite). */
    private readonly onWrite: () => void = () => {},
  ) {
    this.file = join(dir, INDEX_FILE);
  }

  get loaded(): boolean {
    return this.ino >= 0;
  }

  /** The messages, sorted by UID (read now when the index was taken up without them). */
  get msgs(): readonly Msg[] {
    if (this.pending) this.loadPending();
    return this.list;
  }

  get byBase(): ReadonlyMap<string, Msg> {
    if (this.pending) this.loadPending();
    return this.bases;
  }

  position(): IndexPosition {
    return { ino: this.ino, size: this.offset, gen: this.gen, logLines: this.logLines };
  }

  /**
   * Takes the index up as another process left it (header and position from
   * its summary) without reading its records: the file is held open and read
   * up to that size when the messages are first needed, so what is read then
   * is exactly what the header describes even if the file moved on meanwhile.
   * False (nothing changed) when the file is not that one any more.
   */
  defer(header: IndexHeader, at: IndexPosition): boolean {
    if (this.loaded) return false;
    let fd: number;
    try {
      fd = openSync(this.file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return false;
    }
    const st = fstatSync(fd);
    if (st.ino !== at.ino || st.size < at.size) {
      closeSync(fd);
      return false;
    }
    this.header = { ...header };
    this.ino = at.ino;
    this.offset = at.size;
    this.gen = at.gen;
    this.logLines = at.logLines;
    this.version++;
    this.pending = { fd, size: at.size };
    return true;
  }

  /** The records of a deferred index as they were when it was taken up (see defer). */
  deferredMessages(): () => readonly Msg[] {
    const p = this.pending!;
    return () => {
      if (this.pending === p) this.loadPending();
      return p.msgs!;
    };
  }

  /**
   * Lets go of a deferred index's open file (a folder dropped from the
   * process's cache with nobody holding it): taken up again, it is read anew.
   */
  dropDeferred(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    closeSync(p.fd);
    p.msgs = [];
    this.reset();
    this.ino = -1;
  }

  /** Reads the deferred records (synchronously: a getter needs them now). */
  private loadPending(): void {
    const p = this.pending!;
    this.pending = undefined;
    const header = this.header;
    const version = this.version;
    try {
      const buf = Buffer.allocUnsafe(p.size);
      let got = 0;
      while (got < p.size) {
        const n = readSync(p.fd, buf, got, p.size - got, got);
        if (n === 0) break;
        got += n;
      }
      if (got < p.size) throw new IndexCorrupt('index file shorter than its summary');
      this.reset();
      this.apply(buf.toString('utf8', 0, p.size), true);
      // The same state as announced: the summary's header, one version.
      this.header = header;
      this.version = version;
      p.msgs = this.list;
    } catch (err) {
      this.reset();
      this.ino = -1; // read whole (or rebuilt) by the next refresh
      p.msgs = [];
      throw err;
    } finally {
      closeSync(p.fd);
    }
  }

  /**
   * Applies what other processes wrote since the last call (the tail, or the
   * whole file after a compaction). 'missing' when there is no index file;
   * throws IndexCorrupt when it cannot be read as an index.
   */
  async refresh(): Promise<'same' | 'changed' | 'missing'> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(this.file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw err;
    }
    try {
      const st = await fh.stat();
      // A compaction is a new file; its inode number may be an old one reused, its generation is new.
      const head = Buffer.alloc(GEN_END);
      await fh.read(head, 0, GEN_END, 0);
      const whole = st.ino !== this.ino || st.size < this.offset || head.toString('latin1') !== `${MAGIC} G${this.gen}`;
      const from = whole ? 0 : this.offset;
      if (!whole && st.size === this.offset) return 'same';
      // Records still deferred are read before the index moves on (snapshots may still need them).
      if (this.pending) this.loadPending();
      const buf = Buffer.allocUnsafe(st.size - from);
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, from + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const end = buf.lastIndexOf(10, got - 1);
      if (whole) this.reset();
      if (end >= 0) this.apply(buf.toString('utf8', 0, end + 1), whole);
      else if (whole) throw new IndexCorrupt('no header');
      this.ino = st.ino;
      this.offset = from + end + 1;
      return 'changed';
    } finally {
      await fh.close();
    }
  }

  private reset(): void {
    this.header = { uidValidity: 0, uidNext: 1, highestModseq: 1, firstRecentUid: 1 };
    this.list = [];
    this.bases.clear();
    this.logLines = 0;
  }

  /** Applies complete lines (a whole file when `whole`, starting with the header). */
  private apply(text: string, whole: boolean): void {
    this.version++;
    // Read in place, line by line (no split): a whole 10,000-message index is the cold SELECT's main cost.
    let pos = 0;
    if (whole) {
      const eol = text.indexOf('\n');
      const m = /^mailroom-uidlist 1 G([0-9a-f]{12}) V(\d+) N(\d+) M(\d+) R(\d+)$/.exec(eol < 0 ? text : text.slice(0, eol));
      if (!m) throw new IndexCorrupt('bad header');
      this.gen = m[1]!;
      this.header = { uidValidity: Number(m[2]), uidNext: Number(m[3]), highestModseq: Number(m[4]), firstRecentUid: Number(m[5]) };
      pos = eol + 1;
    }
    const h = this.header;
    const next = this.list.slice();
    const removed = new Set<number>();
    let sorted = true;
    // Flags per location, for this call (the keywords do not change during it): most messages share a few.
    const flagMemo = new Map<string, readonly string[]>();
    const flagsOf = (loc: string): readonly string[] => {
      let f = flagMemo.get(loc);
      if (!f) flagMemo.set(loc, (f = this.flagsOf(loc)));
      return f;
    };
    const position = (uid: number): number => {
      let lo = 0;
      let hi = next.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const u = next[mid]!.uid;
        if (u === uid) return mid;
        if (u < uid) lo = mid + 1;
        else hi = mid - 1;
      }
      return -1;
    };
    const bad = (what: string, from: number, end: number) => new IndexCorrupt(`${what}: ${text.slice(from, Math.min(end, from + 80))}`);
    // text[from, end): "uid modseq size idate loc base"; numbers read in place, two strings cut out.
    const add = (from: number, end: number) => {
      const e0 = spaceIn(text, from, end);
      const e1 = e0 < 0 ? -1 : spaceIn(text, e0 + 1, end);
      const e2 = e1 < 0 ? -1 : spaceIn(text, e1 + 1, end);
      const e3 = e2 < 0 ? -1 : spaceIn(text, e2 + 1, end);
      const e4 = e3 < 0 ? -1 : spaceIn(text, e3 + 1, end);
      if (e4 < 0 || spaceIn(text, e4 + 1, end) >= 0) throw bad('bad record', from, end);
      const uid = numAt(text, from, e0);
      const modseq = numAt(text, e0 + 1, e1);
      const l0 = text.charCodeAt(e3 + 1);
      // 'n' or 'c', and a base name after it.
      if (uid < 1 || (l0 !== 110 && l0 !== 99) || e4 + 1 >= end) throw bad('bad record', from, end);
      const loc = text.slice(e3 + 1, e4);
      const base = text.slice(e4 + 1, end);
      if (this.bases.has(base)) throw bad('duplicate', from, end);
      if (next.length && next[next.length - 1]!.uid >= uid) sorted = false;
      const msg = new Msg(uid, base, loc, flagsOf(loc), modseq, numAt(text, e1 + 1, e2), numAt(text, e2 + 1, e3));
      next.push(msg);
      this.bases.set(base, msg);
      if (uid >= h.uidNext) h.uidNext = uid + 1;
      if (modseq > h.highestModseq) h.highestModseq = modseq;
    };
    // The text ends with "\n": every line is complete.
    for (let end = 0; pos < text.length; pos = end + 1) {
      end = text.indexOf('\n', pos);
      if (end < 0) end = text.length;
      const c = text.charCodeAt(pos);
      if (whole && c >= 48 && c <= 57) {
        add(pos, end);
        continue;
      }
      if (!sorted) sorted = sortUnique(next);
      this.logLines++;
      if (c === 43) {
        // '+'
        add(pos + 1, end);
        continue;
      }
      const line = text.slice(pos, end);
      const op = line[0];
      if (op === 'R') {
        h.firstRecentUid = Math.max(h.firstRecentUid, num(line.slice(1)));
        continue;
      }
      const f = line.slice(1).split(' ');
      const at = position(num(f[0] ?? ''));
      const modseq = num(f[1] ?? '');
      if (modseq > h.highestModseq) h.highestModseq = modseq;
      if (op === '-' && f.length === 2) {
        if (at >= 0 && !removed.has(next[at]!.uid)) {
          removed.add(next[at]!.uid);
          this.bases.delete(next[at]!.base);
        }
      } else if (op === '=' && f.length === 3) {
        const old = at >= 0 && !removed.has(next[at]!.uid) ? next[at]! : undefined;
        if (!old) continue; // a change to a message expunged meanwhile
        const loc = f[2]!;
        if (old.modseq === modseq) old.loc = loc;
        else {
          const msg = new Msg(old.uid, old.base, loc, flagsOf(loc), modseq, old.size, old.internalDate);
          next[at] = msg;
          this.bases.set(msg.base, msg);
        }
      } else throw new IndexCorrupt(`bad log line: ${line.slice(0, 80)}`);
    }
    if (!sorted) sortUnique(next);
    this.list = removed.size ? next.filter((m) => !removed.has(m.uid)) : next;
  }

  /** Appends log lines (each without "\n"), fsyncs, then applies them. Under the lock. */
  async append(lines: readonly string[]): Promise<void> {
    if (!lines.length) return;
    if (this.pending) this.loadPending();
    const text = lines.map((l) => `${l}\n`).join('');
    const fh = await fsp.open(this.file, constants.O_WRONLY | constants.O_NOFOLLOW);
    try {
      // A torn line left by a crash is cut off before we write after it.
      if ((await fh.stat()).size !== this.offset) await fh.truncate(this.offset);
      const buf = Buffer.from(text);
      await fh.write(buf, 0, buf.length, this.offset);
      await fh.datasync();
      this.apply(text, false);
      this.offset += buf.length;
    } finally {
      await fh.close();
    }
    this.onWrite();
    if (this.logLines > 1000 && this.logLines > this.msgs.length / 2) await this.compact();
  }

  /** Writes the whole index anew (tmp + fsync + rename + directory fsync). Under the lock. */
  async writeFull(header: IndexHeader, msgs: readonly Msg[]): Promise<void> {
    if (this.pending) this.loadPending();
    const parts = [`${MAGIC} G${randomBytes(6).toString('hex')} V${header.uidValidity} N${header.uidNext} M${header.highestModseq} R${header.firstRecentUid}\n`];
    for (const m of msgs) parts.push(`${m.uid} ${m.modseq} ${m.size} ${m.internalDate} ${m.loc} ${m.base}\n`);
    const buf = Buffer.from(parts.join(''));
    const tmp = `${this.file}.tmp`;
    const fh = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    try {
      await fh.write(buf, 0, buf.length, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, this.file);
    await syncDir(this.dir);
    this.reset();
    this.apply(buf.toString('utf8'), true);
    this.ino = (await fsp.stat(this.file)).ino;
    this.offset = buf.length;
    this.onWrite();
  }

  /** Rewrites the index without its log. */
  compact(): Promise<void> {
    return this.writeFull({ ...this.header }, this.msgs);
  }
}

/** Sorts by UID; a UID given twice makes the index corrupt. */
function sortUnique(msgs: Msg[]): true {
  msgs.sort((a, b) => a.uid - b.uid);
  for (let i = 1; i < msgs.length; i++) if (msgs[i]!.uid === msgs[i - 1]!.uid) throw new IndexCorrupt(`UID ${msgs[i]!.uid} given twice`);
  return true;
}

/** Position of the first space in s[from, end), or -1. */
function spaceIn(s: string, from: number, end: number): number {
  const i = s.indexOf(' ', from);
  return i < end ? i : -1;
}

/** The decimal number (up to 15 digits) in s[from, to), read in place: ten thousand lines parse in a few ms. */
function numAt(s: string, from: number, to: number): number {
  if (to <= from || to - from > 15) throw new IndexCorrupt(`bad number in ${s.slice(0, 80)}`);
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw new IndexCorrupt(`bad number in ${s.slice(0, 80)}`);
    v = v * 10 + d;
  }
  return v;
}

function num(s: string): number {
  return numAt(s, 0, s.length);
}

/** Makes a rename or unlink in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

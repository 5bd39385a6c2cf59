// A folder's message cache: a few named strings per UID that the IMAP layer
// computes once from a message file (ENVELOPE, BODYSTRUCTURE, decoded header
// values) and that are opaque here. Kept in memory in the folder shared by all
// sessions and persisted to `mailroom-cache`, an append-only file written in
// the background; being a cache, a damaged file is rebuilt (format in FORMAT.md).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

export const CACHE_FILE = 'mailroom-cache';
const MAGIC = 'mailroom-cache 1';
/** Characters kept in memory per folder; beyond it new values are not cached (ENVELOPE+BODYSTRUCTURE of 10,000 messages is ~10 MB). */
const MAX_CHARS = 64 * 1024 * 1024;
/** A value longer than this is never cached (a pathological BODYSTRUCTURE). */
const MAX_VALUE = 256 * 1024;
/** Pending lines are appended after this long (batched). */
const FLUSH_MS = 200;

export class MessageCache {
  private readonly entries = new Map<number, Map<string, string>>();
  private validity = 0;
  private loaded = false;
  private chars = 0;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  readonly file: string;

  /** `isLive(uid)`: whether the folder still has the message (entries of others are dropped at load). */
  constructor(
    dir: string,
    private readonly isLive: (uid: number) => boolean,
  ) {
    this.file = join(dir, CACHE_FILE);
  }

  /** The cached value, or undefined. `uidValidity` is the folder's now: a change empties the cache. */
  get(uidValidity: number, uid: number, name: string): string | undefined {
    this.ready(uidValidity);
    return this.entries.get(uid)?.get(name);
  }

  set(uidValidity: number, uid: number, name: string, value: string): void {
    this.ready(uidValidity);
    if (value.length > MAX_VALUE || this.chars + value.length > MAX_CHARS) return;
    let e = this.entries.get(uid);
    if (!e) this.entries.set(uid, (e = new Map()));
    if (e.get(name) === value) return;
    e.set(name, value);
    this.chars += value.length + name.length;
    this.pending.push(line(uid, name, value));
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Writes what is pending now (in the background); resolves when written (or failed: a lost append only costs a recomputation). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return Promise.resolve();
    const text = this.pending.join('');
    this.pending = [];
    return this.append(text);
  }

  /**
   * Appends only to a file that still starts with this cache's header: the
   * folder may have been deleted and made anew (another UIDVALIDITY) since.
   */
  private async append(text: string): Promise<void> {
    const head = `${MAGIC} V${this.validity}\n`;
    try {
      const fh = await open(this.file, 'a+');
      try {
        const buf = Buffer.alloc(head.length);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        if (bytesRead === buf.length && buf.toString('latin1') === head) await fh.write(text);
      } finally {
        await fh.close();
      }
    } catch {
      /* the folder is gone or unwritable: the values stay in memory only */
    }
  }

  /** Loads the file the first time; starts afresh when UIDVALIDITY changed. */
  private ready(uidValidity: number): void {
    if (this.loaded && uidValidity === this.validity) return;
    if (this.loaded) {
      // The folder got new UIDs: every entry is meaningless now.
      this.entries.clear();
      this.chars = 0;
      this.pending = [];
      this.validity = uidValidity;
      this.rewrite();
      return;
    }
    this.loaded = true;
    this.validity = uidValidity;
    if (!this.load()) this.rewrite();
  }

  /** Reads the file; false when it must be rewritten (missing, damaged, other UIDVALIDITY, torn tail, many dead entries). */
  private load(): boolean {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return false;
    }
    const nl = text.indexOf('\n');
    if (nl < 0 || text.slice(0, nl) !== `${MAGIC} V${this.validity}`) return false;
    let ok = text.endsWith('\n');
    let dead = 0;
    let lines = 0;
    // A torn last line (no LF) is ignored; the rewrite below drops it.
    const end = text.lastIndexOf('\n');
    for (let at = nl + 1; at < end; ) {
      const next = text.indexOf('\n', at);
      const parsed = parseLine(text.slice(at, next));
      at = next + 1;
      lines++;
      if (!parsed) {
        // Damage in the middle: what is left is not trusted either.
        this.entries.clear();
        this.chars = 0;
        return false;
      }
      const [uid, name, value] = parsed;
      if (!this.isLive(uid)) {
        dead++;
        continue;
      }
      let e = this.entries.get(uid);
      if (!e) this.entries.set(uid, (e = new Map()));
      if (!e.has(name)) this.chars += value.length + name.length;
      e.set(name, value);
    }
    if (dead > 100 && dead * 2 > lines) ok = false;
    return ok;
  }

  /** The whole file anew from memory (compaction or repair), renamed over the old one. */
  private rewrite(): void {
    const parts = [`${MAGIC} V${this.validity}\n`];
    for (const [uid, e] of this.entries) for (const [name, value] of e) parts.push(line(uid, name, value));
    const tmp = `${this.file}.tmp`;
    try {
      writeFileSync(tmp, parts.join(''));
      renameSync(tmp, this.file);
    } catch {
      /* a cache that cannot be written is only memory */
    }
    this.pending = [];
  }
}

/** `<uid> <name> <JSON string>\n`: JSON keeps the value on one line. */
function line(uid: number, name: string, value: string): string {
  return `${uid} ${name} ${JSON.stringify(value)}\n`;
}

function parseLine(s: string): [number, string, string] | undefined {
  const a = s.indexOf(' ');
  const b = s.indexOf(' ', a + 1);
  if (a <= 0 || b < 0) return undefined;
  const uid = Number(s.slice(0, a));
  if (!Number.isInteger(uid) || uid <= 0) return undefined;
  try {
    const value: unknown = JSON.parse(s.slice(b + 1));
    return typeof value === 'string' ? [uid, s.slice(a + 1, b), value] : undefined;
  } catch {
    return undefined;
  }
}

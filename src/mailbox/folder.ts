// One folder directory of one process, shared by every session that opened
// it: its index (UIDs, MODSEQs), its keywords, its lock and watcher, and the
// latest snapshot. sync() brings the index up to the disk (new files get
// UIDs in delivery order, persisted before they are shown; renames by mutt or
// POP3 are flag changes with a new MODSEQ). Changes by IMAP itself are in
// folder-write.ts; the per-session view is folder-handle.ts.
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MailroomError } from '../shared/errors.js';
import type { FolderCounts, FolderSnapshot } from './folders.js';
import { FolderIndex, INDEX_FILE, IndexCorrupt, Msg, type IndexHeader, type IndexPosition } from './folder-index.js';
import { FolderLock } from './folder-lock.js';
import { Snapshot } from './folder-snapshot.js';
import { diffListing, factsOfMany, isEmptyDiff, listFolder, type ScanDiff } from './folder-scan.js';
import { FolderWatch } from './folder-watch.js';
import { infoOf, Keywords } from './keywords.js';
import { compareBases, isGone } from './maildir.js';
import { MessageCache } from './message-cache.js';
import { readCrlf, readHead, toCrlf } from './message-file.js';

/**
 * Directory mtimes closer than this to the scan may hide a later change of
 * the same tick: a second where the file system keeps whole seconds
 * (Dovecot waits one second too), 100 ms where it keeps nanoseconds (the
 * kernel's file clock advances every few ms), so a folder is trusted again
 * soon after a burst of changes instead of being listed on every sync.
 */
const DIRTY_MS = 1000;
const DIRTY_FINE_MS = 100;

/**
 * The stat of new/, cur/ and the index after a clean scan, kept on disk so
 * the next process can trust its index without listing the directories
 * (Dovecot trusts its index the same way), and a summary of the index at
 * that stat (header, counts, position), so that process can answer SELECT
 * before reading the index's records. A hint only: when it is missing,
 * stale or garbled the folder is listed and its index read.
 */
export const STAMP_FILE = `${INDEX_FILE}.stamp`;
const STAMPED = ['new', 'cur', INDEX_FILE];

interface IndexSummary {
  header: IndexHeader;
  at: IndexPosition;
  counts: FolderCounts;
}

const SUMMARY_RE = /^S G([0-9a-f]{12}) I(\d+) B(\d+) L(\d+) V(\d+) N(\d+) M(\d+) R(\d+) C(\d+) U(\d+) F(\d+) E(\d+) Z(\d+) X(\d+)$/;

function summaryLine(h: IndexHeader, at: IndexPosition, c: FolderCounts): string {
  return `S G${at.gen} I${at.ino} B${at.size} L${at.logLines} V${h.uidValidity} N${h.uidNext} M${h.highestModseq} R${h.firstRecentUid} C${c.messages} U${c.unseen} F${c.firstUnseen} E${c.recent} Z${c.size} X${c.lastUid}`;
}

function parseSummary(line: string | undefined): IndexSummary | undefined {
  const m = line === undefined ? null : SUMMARY_RE.exec(line);
  if (!m) return undefined;
  const n = m.slice(2).map(Number);
  if (!n.every(Number.isSafeInteger)) return undefined;
  const [ino, size, logLines, uidValidity, uidNext, highestModseq, firstRecentUid, messages, unseen, firstUnseen, recent, bytes, lastUid] = n as [number, ...number[]];
  return {
    header: { uidValidity: uidValidity!, uidNext: uidNext!, highestModseq: highestModseq!, firstRecentUid: firstRecentUid! },
    at: { ino, size: size!, gen: m[1]!, logLines: logLines! },
    counts: { messages: messages!, unseen: unseen!, firstUnseen: firstUnseen!, recent: recent!, size: bytes!, lastUid: lastUid! },
  };
}

let lastValidity = 0;
/** A UIDVALIDITY never given before by this process and above `old`. */
function newUidValidity(old = 0): number {
  lastValidity = Math.max(Math.floor(Date.now() / 1000), old + 1, lastValidity + 1);
  return lastValidity;
}

export class FolderCore {
  readonly index: FolderIndex;
  readonly keywords: Keywords;
  readonly lock: FolderLock;
  readonly watcher: FolderWatch;
  /** Per-message strings computed by IMAP (message-cache.ts), shared by every session. */
  readonly cache: MessageCache;
  snapshot: FolderSnapshot;
  /** Sessions holding it (folder-store.ts frees it at zero). */
  refs = 0;
  /** The directory is gone (deleted or renamed away). */
  gone = false;
  /** new/, cur/ and index as stat'ed after the last clean scan; '' forces a readdir. */
  private stamp = '';
  /** What STAMP_FILE holds (as last read or written by this process): its first line. */
  private savedStamp: string | undefined;
  /** The index version and gone-ness the current snapshot shows. */
  private shownVersion = -1;
  /** A sync planned after this process's last write, to save the stamp once the directories stand still. */
  private stampTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    readonly dir: string,
  ) {
    this.keywords = new Keywords(dir);
    this.index = new FolderIndex(dir, (loc) => this.keywords.flagsOf(infoOf(loc)), () => this.stampLater());
    this.lock = new FolderLock(this.index.file);
    this.watcher = new FolderWatch(dir);
    this.cache = new MessageCache(dir, (uid) => this.find(uid) !== undefined);
    this.snapshot = this.makeSnapshot();
  }

  private makeSnapshot(counts?: FolderCounts): FolderSnapshot {
    this.shownVersion = this.gone ? -2 : this.index.version;
    const keywords = Object.freeze(this.keywords.defined());
    if (this.gone) return new Snapshot(this.index.header, keywords, []);
    // Records not read yet (taken up from the summary): read when a session first needs them.
    return new Snapshot(this.index.header, keywords, counts ? this.index.deferredMessages() : this.index.msgs, counts);
  }

  /** A new snapshot when anything a session sees changed; tells the listeners. */
  publish(counts?: FolderCounts): FolderSnapshot {
    const s = this.snapshot;
    const h = this.index.header;
    const kw = this.keywords.defined();
    const version = this.gone ? -2 : this.index.version;
    if (version === this.shownVersion && s.uidValidity === h.uidValidity && s.uidNext === h.uidNext && s.highestModseq === h.highestModseq && s.firstRecentUid === h.firstRecentUid && s.keywords?.length === kw.length) return s;
    this.snapshot = this.makeSnapshot(counts);
    this.watcher.notify();
    return this.snapshot;
  }

  /** stat of new/, cur/ and the index: what must be unchanged for a sync to skip its readdirs. */
  private stampNow(): { stamp: string; newest: number; dirtyMs: number; index: { ino: number; size: number } | undefined } {
    // Times in ms with their fraction (sub-microsecond at today's dates), exactly as the system reports
    // them: the stamp is compared across processes. Plain numbers, not BigInts: SELECT runs this each time.
    let stamp = '';
    let newest = 0;
    let coarse = true;
    let index: { ino: number; size: number } | undefined;
    for (const f of STAMPED) {
      const st = statSync(join(this.dir, f), { throwIfNoEntry: false });
      if (stamp) stamp += '|';
      if (!st) {
        stamp += '-';
        continue;
      }
      stamp += `${st.ino}:${st.mtimeMs}:${st.ctimeMs}:${st.size}`;
      newest = Math.max(newest, st.mtimeMs, st.ctimeMs);
      // Whole seconds everywhere: a coarse file system (or a rare exact second, which only costs a later trust).
      if (st.mtimeMs % 1000 !== 0 || st.ctimeMs % 1000 !== 0) coarse = false;
      if (f === INDEX_FILE) index = { ino: st.ino, size: st.size };
    }
    return { stamp, newest, dirtyMs: coarse ? DIRTY_MS : DIRTY_FINE_MS, index };
  }

  /** stat of new/ and cur/ alone. */
  private dirStamp(): string {
    return this.stampNow().stamp.split('|', 2).join('|');
  }

  /** Rescans the folder; returns the latest snapshot. */
  async sync(): Promise<FolderSnapshot> {
    if (this.gone) return this.snapshot;
    const started = Date.now();
    const { stamp, newest, dirtyMs, index } = this.stampNow();
    // Nothing moved: no stat of the keywords file either. A keyword comes into use by a rename (or an
    // index line) that changes the stamp; one only defined meanwhile shows in FLAGS after the next change.
    if (stamp === this.stamp) return this.snapshot;
    this.keywords.refresh();
    // First without the file lock: most syncs find nothing to record. What a
    // listing made while the directories stood still found (additions and
    // renames only) is recorded under the lock if nobody wrote the index meanwhile.
    let reuse: { diff: ScanDiff; dirs: string; version: number } | undefined;
    // A process's first sync: what an earlier process found clean needs no listing when nothing moved since.
    const saved = this.index.loaded ? undefined : this.readStamp();
    const trusted = saved !== undefined && stamp === saved.stamp;
    let deferred: FolderCounts | undefined;
    const needLock = await this.lock.local(async () => {
      // ... and, with its summary, not even a reading of the index's records until a command needs them.
      if (trusted && saved.summary && this.index.defer(saved.summary.header, saved.summary.at)) {
        deferred = saved.summary.counts;
        return false;
      }
      let clean = false;
      try {
        clean = (await this.index.refresh()) !== 'missing';
      } catch (err) {
        if (!(err instanceof IndexCorrupt)) throw err;
      }
      if (!clean) return (await listFolder(this.dir)) ? true : this.vanish() && false;
      if (trusted) return false;
      const dirs = this.dirStamp();
      const listing = await listFolder(this.dir);
      if (!listing) return this.vanish() && false;
      const diff = diffListing(this.index, listing);
      if (isEmptyDiff(diff)) return false;
      if (!diff.gone.length && this.dirStamp() === dirs) reuse = { diff, dirs, version: this.index.version };
      return true;
    });
    if (needLock) await this.lock.run(() => this.scanLocked(reuse));
    const snap = this.publish(deferred);
    // Trusted next time only when the directories did not change in the same clock tick as this scan.
    this.stamp = started - newest > dirtyMs ? stamp : '';
    // Only a sync that wrote nothing: a write changed the index's stat, so its stamp could never match.
    if (this.stamp && !needLock && this.stamp !== this.savedStamp && !this.gone) this.writeStamp(this.stamp, index);
    return snap;
  }

  /**
   * After a write (new UIDs, renames, flags) the stat just taken can never be
   * saved: the directories changed a moment ago, within the clock tick a
   * change by someone else could hide behind. One sync a little later (a
   * listing that finds the index complete) saves it, so the next process to
   * open the folder skips its listing even when nobody syncs it again here.
   */
  private stampLater(): void {
    // From the last write of a burst (a rebuild, then \Recent claimed): an earlier sync would find the directories too fresh.
    clearTimeout(this.stampTimer);
    if (this.gone) return;
    // Past the window of the file system at hand (a second where it keeps whole seconds).
    const wait = this.stampNow().dirtyMs + 50;
    this.stampTimer = setTimeout(() => {
      this.stampTimer = undefined;
      if (!this.gone) this.sync().catch(() => {}); // a failed sync costs the next process a listing, nothing else
    }, wait);
    this.stampTimer.unref();
  }

  private readStamp(): { stamp: string; summary: IndexSummary | undefined } | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dir, STAMP_FILE), 'latin1');
    } catch {
      return undefined; // missing or unreadable: list the folder
    }
    const [stamp = '', summary] = text.split('\n', 2);
    this.savedStamp = stamp;
    return { stamp, summary: parseSummary(summary) };
  }

  /**
   * Written whole (tmp + rename), not fsynced: losing it costs one listing.
   * The summary goes with it when the index in memory is the one stat'ed.
   */
  private writeStamp(stamp: string, index: { ino: number; size: number } | undefined): void {
    const file = join(this.dir, STAMP_FILE);
    const at = this.index.position();
    const summary = index && at.ino === index.ino && at.size === index.size ? `${summaryLine(this.index.header, at, this.snapshot.counts)}\n` : '';
    try {
      writeFileSync(`${file}.tmp`, `${stamp}\n${summary}`, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
      this.savedStamp = stamp;
    } catch {
      /* a read-only or vanished folder: the next process lists it */
    }
  }

  private vanish(): FolderSnapshot {
    this.gone = true;
    this.watcher.stop();
    return this.publish();
  }

  /** Index up to date (rebuilt when lost or damaged); under the lock. True when anything was read or rebuilt. */
  async refreshLocked(): Promise<boolean> {
    if (this.gone) throw new MailroomError('MAILBOX_NOT_FOUND', `mailbox ${this.name} no longer exists`);
    // Letters first: index lines read below get their flags from the current keywords.
    this.keywords.refresh();
    let state: 'same' | 'changed' | 'missing';
    try {
      state = await this.index.refresh();
    } catch (err) {
      if (!(err instanceof IndexCorrupt)) throw err;
      state = 'missing';
    }
    if (state === 'missing') await this.rebuild();
    return state !== 'same';
  }

  /** Lists the folder and records what changed on disk; under the lock. */
  async scanLocked(reuse?: { diff: ScanDiff; dirs: string; version: number }): Promise<void> {
    await this.refreshLocked();
    if (reuse && reuse.version === this.index.version && this.dirStamp() === reuse.dirs) return this.commit(reuse.diff);
    // readdir may miss a file renamed while it runs (by mutt, POP3, another
    // session): what seems gone must be missing from a second listing too.
    const listing = await listFolder(this.dir);
    if (!listing) {
      this.vanish();
      throw new MailroomError('MAILBOX_NOT_FOUND', `mailbox ${this.name} no longer exists`);
    }
    let diff = diffListing(this.index, listing);
    if (diff.gone.length) {
      for (const [base, loc] of (await listFolder(this.dir)) ?? []) if (!listing.has(base)) listing.set(base, loc);
      diff = diffListing(this.index, listing);
    }
    await this.commit(diff);
  }

  private async commit(d: ScanDiff): Promise<void> {
    if (isEmptyDiff(d)) return;
    const h = this.index.header;
    const modseq = h.highestModseq + 1;
    const lines: string[] = [];
    for (const m of d.gone) lines.push(`-${m.uid} ${modseq}`);
    for (const [m, loc] of d.changed) lines.push(`=${m.uid} ${modseq} ${loc}`);
    for (const [m, loc] of d.moved) lines.push(`=${m.uid} ${m.modseq} ${loc}`);
    const fresh = d.fresh.sort((a, b) => compareBases(a[0], b[0]));
    const facts = await factsOfMany(this.dir, fresh);
    let uid = h.uidNext;
    fresh.forEach(([base, loc], i) => {
      const f = facts[i];
      if (f) lines.push(`+${uid++} ${modseq} ${f.size} ${f.internalDate} ${loc} ${base}`);
    });
    await this.index.append(lines);
  }

  /**
   * A new index from what is on disk: a new UIDVALIDITY and UIDs in delivery
   * order (sizes and dates kept from the old index where it knew them).
   */
  private async rebuild(): Promise<void> {
    const listing = await listFolder(this.dir);
    if (!listing) throw new MailroomError('MAILBOX_NOT_FOUND', `mailbox ${this.name} no longer exists`);
    const old = this.index.header;
    const known = this.index.byBase;
    const files = [...listing].sort((a, b) => compareBases(a[0], b[0]));
    const unknown = files.filter(([base]) => !known.has(base));
    const facts = await factsOfMany(this.dir, unknown);
    const factOf = new Map(unknown.map(([base], i) => [base, facts[i]]));
    const msgs: Msg[] = [];
    for (const [base, loc] of files) {
      const k = known.get(base);
      const f = k ? { size: k.size, internalDate: k.internalDate } : factOf.get(base);
      if (f) msgs.push(new Msg(msgs.length + 1, base, loc, this.keywords.flagsOf(infoOf(loc)), 1, f.size, f.internalDate));
    }
    const uidNext = msgs.length + 1;
    // A folder seen for the first time: what is there is \Recent. A lost index: nothing is.
    const firstRecentUid = this.index.loaded ? uidNext : 1;
    await this.index.writeFull({ uidValidity: newUidValidity(old.uidValidity), uidNext, highestModseq: 1, firstRecentUid }, msgs);
  }

  /** The message with this UID now, by binary search. */
  find(uid: number): Msg | undefined {
    const msgs = this.index.msgs;
    let lo = 0;
    let hi = msgs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = msgs[mid]!.uid;
      if (u === uid) return msgs[mid];
      if (u < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Reads a message's file through `read`, finding it again by base name when it was renamed. */
  readFile(uid: number, read: (path: string) => Buffer): Buffer | undefined {
    const m = this.gone ? undefined : this.find(uid);
    if (!m) return undefined;
    try {
      return read(join(this.dir, m.path));
    } catch (err) {
      if (!isGone(err)) throw err;
    }
    const loc = this.locateSync(m.base);
    if (!loc) return undefined;
    m.loc = loc; // a move or someone's flag change; the next sync records it
    try {
      return read(join(this.dir, m.path));
    } catch (err) {
      if (isGone(err)) return undefined;
      throw err;
    }
  }

  private locateSync(base: string): string | undefined {
    for (const [letter, sub] of [['c', 'cur'], ['n', 'new']] as const) {
      let names: string[];
      try {
        names = readdirSync(join(this.dir, sub));
      } catch (err) {
        if (isGone(err)) continue;
        throw err;
      }
      for (const name of names) if (name === base || name.startsWith(`${base}:`)) return letter + name.slice(base.length);
    }
    return undefined;
  }

  read(uid: number): Buffer | undefined {
    return this.readFile(uid, readCrlf);
  }

  readHeader(uid: number): Buffer | undefined {
    return this.readFile(uid, (p) => toCrlf(readHead(p)));
  }
}

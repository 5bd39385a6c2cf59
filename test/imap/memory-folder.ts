// An in-memory Folder and UserStore for the executor unit tests: the same
// contract as the Maildir folder store (UIDs, MODSEQ, flags, copy/move/expunge)
// with messages held as CRLF Buffers, so tests can set any state directly.
import { MailroomError } from '../../src/shared/errors.js';
import type { Folder, FolderChanges, FolderSnapshot, MessageRecord, StoreResult, UserStore } from '../../src/mailbox/folders.js';

export class MemoryFolder implements Folder {
  private snap: FolderSnapshot;
  readonly bodies = new Map<number, Buffer>();
  constructor(readonly name: string, uidValidity = 1000) {
    this.snap = { uidValidity, uidNext: 1, highestModseq: 1, messages: [], firstRecentUid: 1 };
  }
  current(): FolderSnapshot {
    return this.snap;
  }
  async sync(): Promise<FolderChanges> {
    return { snapshot: this.snap, expunged: [], added: [], flagsChanged: [] };
  }
  async claimRecent(): Promise<readonly number[]> {
    return [];
  }
  watch(): () => void {
    return () => {};
  }
  read(uid: number): Buffer | undefined {
    return this.bodies.get(uid);
  }
  readHeader(uid: number): Buffer | undefined {
    const b = this.bodies.get(uid);
    if (!b) return undefined;
    const end = b.indexOf('\r\n\r\n');
    return end < 0 ? b : b.subarray(0, end + 4);
  }
  /** Test helper: adds a message with a given UID gap, flags and date. */
  add(message: Buffer | string, flags: string[] = [], internalDate = Date.UTC(2023, 10, 14, 12), uidGap = 0): number {
    const buf = Buffer.isBuffer(message) ? message : Buffer.from(message);
    const uid = this.snap.uidNext + uidGap;
    const modseq = this.snap.highestModseq + 1;
    const rec: MessageRecord = { uid, base: `m${uid}`, flags, modseq, size: buf.length, internalDate };
    this.bodies.set(uid, buf);
    this.snap = { ...this.snap, uidNext: uid + 1, highestModseq: modseq, messages: [...this.snap.messages, rec] };
    return uid;
  }
  /** Test helper: removes a message as another client would. */
  drop(uid: number): void {
    this.bodies.delete(uid);
    this.snap = { ...this.snap, messages: this.snap.messages.filter((m) => m.uid !== uid) };
  }
  async store(uids: readonly number[], op: 'add' | 'remove' | 'replace', flags: readonly string[], unchangedSince?: number): Promise<StoreResult> {
    const changed: MessageRecord[] = [];
    const conflicts: number[] = [];
    let modseq = this.snap.highestModseq;
    const want = new Set(uids);
    const messages = this.snap.messages.map((m) => {
      if (!want.has(m.uid)) return m;
      if (unchangedSince !== undefined && m.modseq > unchangedSince) {
        conflicts.push(m.uid);
        return m;
      }
      let next = op === 'replace' ? [...flags] : op === 'add' ? [...m.flags, ...flags.filter((f) => !m.flags.includes(f))] : m.flags.filter((f) => !flags.includes(f));
      next = [...new Set(next)];
      if (next.length === m.flags.length && next.every((f) => m.flags.includes(f))) return m;
      const rec = { ...m, flags: next, modseq: ++modseq };
      changed.push(rec);
      return rec;
    });
    this.snap = { ...this.snap, messages, highestModseq: modseq };
    return { changed, conflicts };
  }
  async append(message: Buffer, flags: readonly string[], internalDate?: number): Promise<number> {
    return this.add(message, [...flags], internalDate ?? Date.now());
  }
  async copy(uids: readonly number[], target: Folder): Promise<Array<[number, number]>> {
    const out: Array<[number, number]> = [];
    for (const m of this.snap.messages) {
      if (!uids.includes(m.uid)) continue;
      out.push([m.uid, await target.append(this.bodies.get(m.uid)!, m.flags, m.internalDate)]);
    }
    return out;
  }
  async move(uids: readonly number[], target: Folder): Promise<Array<[number, number]>> {
    const pairs = await this.copy(uids, target);
    for (const [uid] of pairs) this.drop(uid);
    return pairs;
  }
  async expunge(uids?: readonly number[]): Promise<readonly number[]> {
    const gone = this.snap.messages.filter((m) => m.flags.includes('\\Deleted') && (!uids || uids.includes(m.uid))).map((m) => m.uid);
    for (const uid of gone) this.drop(uid);
    return gone;
  }
  release(): void {}
}

export class MemoryStore implements UserStore {
  readonly folders = new Map<string, MemoryFolder>();
  constructor(readonly user = 'alice') {
    this.folders.set('INBOX', new MemoryFolder('INBOX'));
  }
  async list() {
    return [...this.folders.keys()].map((name) => ({ name, noselect: false, hasChildren: false, subscribed: true }));
  }
  async create(name: string) {
    this.folders.set(name, new MemoryFolder(name, 2000 + this.folders.size));
  }
  async delete(name: string) {
    this.folders.delete(name);
  }
  async rename() {}
  async subscribe() {}
  async open(name: string): Promise<Folder> {
    const f = this.folders.get(name);
    if (!f) throw new MailroomError('MAILBOX_NOT_FOUND', 'noinput', `no mailbox ${name}`);
    return f;
  }
  async status(): Promise<never> {
    throw new Error('not used');
  }
}

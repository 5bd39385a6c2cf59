// One session's reference to a shared folder: the snapshot it last synced
// to (so sync() tells each session what changed since *its* last look), its
// own watch registrations, and release(). A handle is a few fields; the
// messages are the folder's, shared by every handle.
import { MailroomError } from '../shared/errors.js';
import type { FlagOperation, Folder, FolderChanges, FolderSnapshot, MessageRecord, StoreResult } from './folders.js';
import type { FolderCore } from './folder.js';
import { appendMessage, claimRecent, copyMessages, expungeDeleted, removeUids, storeFlags } from './folder-write.js';

/** What changed between two snapshots of one folder (a UIDVALIDITY change: everything). */
export function diffSnapshots(before: FolderSnapshot, after: FolderSnapshot): FolderChanges {
  const expunged: number[] = [];
  const added: number[] = [];
  const flagsChanged: number[] = [];
  if (before !== after) {
    const a: readonly MessageRecord[] = before.uidValidity === after.uidValidity ? before.messages : [];
    if (before.uidValidity !== after.uidValidity) expunged.push(...before.messages.map((m) => m.uid));
    const b = after.messages;
    let i = 0;
    let j = 0;
    if (a !== b) {
      while (i < a.length || j < b.length) {
        const x = a[i];
        const y = b[j];
        if (y === undefined || (x !== undefined && x.uid < y.uid)) {
          expunged.push(x!.uid);
          i++;
        } else if (x === undefined || y.uid < x.uid) {
          added.push(y.uid);
          j++;
        } else {
          if (x !== y && x.modseq !== y.modseq) flagsChanged.push(y.uid);
          i++;
          j++;
        }
      }
    }
  }
  return { snapshot: after, expunged, added, flagsChanged };
}

export class FolderHandle implements Folder {
  private last: FolderSnapshot;
  private released = false;
  private readonly unwatch = new Set<() => void>();

  constructor(
    readonly core: FolderCore,
    private readonly onRelease: (core: FolderCore) => void,
  ) {
    this.last = core.snapshot;
  }

  get name(): string {
    return this.core.name;
  }

  /** The snapshot of this session's last sync (or of the open). */
  current(): FolderSnapshot {
    return this.last;
  }

  async sync(): Promise<FolderChanges> {
    this.check();
    const snap = await this.core.sync();
    const changes = diffSnapshots(this.last, snap);
    this.last = snap;
    return changes;
  }

  claimRecent(): Promise<readonly number[]> {
    this.check();
    return claimRecent(this.core);
  }

  watch(listener: () => void): () => void {
    this.check();
    const off = this.core.watcher.add(listener);
    const remove = () => {
      off();
      this.unwatch.delete(remove);
    };
    this.unwatch.add(remove);
    return remove;
  }

  read(uid: number): Buffer | undefined {
    return this.core.read(uid);
  }

  readHeader(uid: number): Buffer | undefined {
    return this.core.readHeader(uid);
  }

  cached(uid: number, name: string): string | undefined {
    return this.core.cache.get(this.core.index.header.uidValidity, uid, name);
  }

  remember(uid: number, name: string, value: string): void {
    this.core.cache.set(this.core.index.header.uidValidity, uid, name, value);
  }

  store(uids: readonly number[], op: FlagOperation, flags: readonly string[], unchangedSince?: number): Promise<StoreResult> {
    this.check();
    return storeFlags(this.core, uids, op, flags, unchangedSince);
  }

  append(message: Buffer, flags: readonly string[], internalDate?: number): Promise<number> {
    this.check();
    return appendMessage(this.core, message, flags, internalDate);
  }

  copy(uids: readonly number[], target: Folder): Promise<Array<[number, number]>> {
    this.check();
    return copyMessages(this.core, uids, coreOf(target));
  }

  async move(uids: readonly number[], target: Folder): Promise<Array<[number, number]>> {
    this.check();
    const pairs = await copyMessages(this.core, uids, coreOf(target));
    // The copies are safe on disk before a source goes: a crash leaves a duplicate, never a loss.
    await removeUids(
      this.core,
      pairs.map((p) => p[0]),
    );
    return pairs;
  }

  expunge(uids?: readonly number[]): Promise<readonly number[]> {
    this.check();
    return expungeDeleted(this.core, uids);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const off of [...this.unwatch]) off();
    this.onRelease(this.core);
  }

  private check(): void {
    if (this.released) throw new MailroomError('MAILBOX_RELEASED', 'internal', `mailbox ${this.core.name} used after release`);
  }
}

function coreOf(folder: Folder): FolderCore {
  if (!(folder instanceof FolderHandle)) throw new MailroomError('MAILBOX_FOREIGN', 'internal', 'the target folder is not from this store');
  return folder.core;
}

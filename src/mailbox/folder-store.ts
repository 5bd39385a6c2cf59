// The Maildir++ folder store of one user (contracts in folders.ts): LIST,
// CREATE, DELETE, RENAME, subscriptions and STATUS over `<mailboxes>/<user>/`,
// and handles on the process's shared folder cores (folder-cache.ts).
import { mkdirSync, promises as fsp, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MailroomError } from '../shared/errors.js';
import type { FolderInfo, UserStore } from './folders.js';
import { acquireCore as acquire, forgetCores as forget, releaseCore } from './folder-cache.js';
import { FolderHandle } from './folder-handle.js';
import { syncDir } from './folder-index.js';
import { canonicalName, folderPath, nameError, SPECIAL_USE, specialUseOf } from './folder-names.js';
import { folderTree, makeFolder, removeFolderDir, renameFolderDirs } from './folder-tree.js';
import { isGone, maildirPath } from './maildir.js';
import { readSubscriptions, SUBSCRIPTIONS_FILE, writeSubscriptions } from './subscriptions.js';

export interface FolderStoreOptions {
  /** Folders created with their special-use attribute when a user's store is first opened. */
  specialUse?: boolean;
}

const notFound = (name: string) => new MailroomError('MAILBOX_NOT_FOUND', `no such mailbox: ${name}`);
const exists = (name: string) => new MailroomError('MAILBOX_EXISTS', 'data', `mailbox already exists: ${name}`);

class MaildirUserStore implements UserStore {
  private root: string;
  private ready: Promise<void> | undefined;
  /** Orders changes to the subscriptions file within this store. */
  private subsTail: Promise<unknown> = Promise.resolve();

  constructor(
    mailboxes: string,
    readonly user: string,
    private readonly opts: FolderStoreOptions,
  ) {
    if (!user || user.length > 255 || /[/\\\x00-\x1f\x7f]/.test(user) || user.startsWith('.')) throw nameError(user, 'not a mailbox user name');
    // Absolute, so that every spelling of one directory shares one folder core.
    this.root = resolve(maildirPath(mailboxes, user));
  }

  private init(): Promise<void> {
    return (this.ready ??= this.setup());
  }

  private async setup(): Promise<void> {
    // Synchronous: a few system calls on a local disk cost less than as many thread-pool round trips in a session's first command.
    for (const sub of ['', 'tmp', 'new', 'cur']) {
      const dir = join(this.root, sub);
      if (statSync(dir, { throwIfNoEntry: false })) continue;
      try {
        mkdirSync(dir, { mode: 0o700 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    // Users whose Maildirs are one directory (symlinks) share its folder cores, as they share its index files.
    this.root = realpathSync(this.root);
    // First login (no subscriptions file yet): the special-use folders, subscribed.
    if (!this.opts.specialUse || statSync(join(this.root, SUBSCRIPTIONS_FILE), { throwIfNoEntry: false })) return;
    for (const name of SPECIAL_USE.keys()) await this.createIndexed(name).catch((err) => (err.code === 'MAILBOX_EXISTS' ? undefined : Promise.reject(err)));
    await writeSubscriptions(this.root, SPECIAL_USE.keys());
  }

  async list(): Promise<FolderInfo[]> {
    await this.init();
    const tree = await folderTree(this.root);
    const subs = new Set((await readSubscriptions(this.root)) ?? []);
    const names = [...tree.keys()].filter((n) => n !== 'INBOX').sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return ['INBOX', ...names].map((name) => {
      const node = tree.get(name) ?? { selectable: true, hasChildren: false };
      const specialUse = this.opts.specialUse && node.selectable ? specialUseOf(name) : undefined;
      return { name, specialUse, noselect: !node.selectable, hasChildren: node.hasChildren, subscribed: subs.has(name) };
    });
  }

  async create(name: string): Promise<void> {
    await this.init();
    // RFC 3501 §6.3.3: a trailing delimiter only says more levels will follow.
    await this.createIndexed(canonicalName(name.endsWith('.') && name.length > 1 ? name.slice(0, -1) : name));
  }

  /** Makes the folder's directories, then its index, so UIDVALIDITY is fixed from the start. */
  private async createIndexed(canonical: string): Promise<void> {
    if (canonical === 'INBOX') throw exists(canonical);
    await makeFolder(this.root, canonical);
    releaseCore(await acquire(canonical, folderPath(this.root, canonical)));
  }

  async delete(name: string): Promise<void> {
    await this.init();
    const canonical = canonicalName(name);
    if (canonical === 'INBOX') throw new MailroomError('MAILBOX_NAME_INVALID', 'data', 'INBOX cannot be deleted');
    const tree = await folderTree(this.root);
    const node = tree.get(canonical);
    if (!node) throw notFound(canonical);
    // RFC 3501 §6.3.4: a folder with children loses its messages and becomes \Noselect; a \Noselect one with children cannot go.
    if (!node.selectable) throw new MailroomError('MAILBOX_HAS_CHILDREN', 'data', `mailbox ${canonical} has children`);
    const dir = folderPath(this.root, canonical);
    await removeFolderDir(this.root, dir);
    forget([dir]);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.init();
    const src = canonicalName(from);
    const dst = canonicalName(to);
    const tree = await folderTree(this.root);
    if (dst === 'INBOX' || tree.has(dst)) throw exists(dst);
    if (src === 'INBOX') return this.renameInbox(dst);
    if (!tree.has(src)) throw notFound(src);
    if (dst.startsWith(`${src}.`)) throw new MailroomError('MAILBOX_NAME_INVALID', 'data', `cannot rename ${src} into itself`);
    const moves = [...tree.keys()].filter((n) => (n === src || n.startsWith(`${src}.`)) && tree.get(n)!.selectable).map((n) => [n, dst + n.slice(src.length)] as const);
    for (const [, n] of moves) canonicalName(n); // every new name must be valid (length)
    await renameFolderDirs(this.root, moves);
    forget(moves.map(([n]) => folderPath(this.root, n)));
    await this.editSubscriptions((subs) => subs.map((n) => (n === src || n.startsWith(`${src}.`) ? dst + n.slice(src.length) : n)));
  }

  /** RFC 3501 §6.3.5: INBOX's messages move to the new folder, INBOX stays (empty); its children stay where they are. */
  private async renameInbox(dst: string): Promise<void> {
    await this.createIndexed(dst);
    const target = folderPath(this.root, dst);
    const inbox = await acquire('INBOX', this.root);
    try {
      await inbox.lock.run(async () => {
        for (const sub of ['new', 'cur']) {
          for (const name of await fsp.readdir(join(this.root, sub))) {
            if (name.startsWith('.')) continue;
            await fsp.rename(join(this.root, sub, name), join(target, sub, name)).catch((err) => (isGone(err) ? undefined : Promise.reject(err)));
          }
          await syncDir(join(target, sub));
          await syncDir(join(this.root, sub));
        }
        await inbox.scanLocked();
      });
      await inbox.sync();
    } finally {
      releaseCore(inbox);
    }
  }

  async subscribe(name: string, on: boolean): Promise<void> {
    await this.init();
    const canonical = canonicalName(name);
    await this.editSubscriptions((subs) => (on ? [...subs, canonical] : subs.filter((n) => n !== canonical)));
  }

  private editSubscriptions(edit: (subs: string[]) => string[]): Promise<void> {
    const run = this.subsTail.then(async () => writeSubscriptions(this.root, edit((await readSubscriptions(this.root)) ?? [])));
    this.subsTail = run.catch(() => undefined);
    return run;
  }

  async open(name: string): Promise<FolderHandle> {
    await this.init();
    const canonical = canonicalName(name);
    const dir = folderPath(this.root, canonical);
    if (canonical !== 'INBOX') {
      const st = await fsp.lstat(dir).catch((err) => (isGone(err) ? undefined : Promise.reject(err)));
      if (!st?.isDirectory()) throw notFound(canonical);
    }
    return new FolderHandle(await acquire(canonical, dir), releaseCore);
  }

  async status(name: string): Promise<{ messages: number; recent: number; uidNext: number; uidValidity: number; unseen: number; highestModseq: number; size: number }> {
    const handle = await this.open(name);
    try {
      const s = handle.current(); // open() has just synced it
      const c = s.counts;
      return { messages: c.messages, recent: c.recent, uidNext: s.uidNext, uidValidity: s.uidValidity, unseen: c.unseen, highestModseq: s.highestModseq, size: c.size };
    } finally {
      handle.release();
    }
  }
}

/** The folder store of one user's Maildir under `local.mailboxes`. */
export function openUserStore(mailboxes: string, user: string, opts: FolderStoreOptions = {}): UserStore {
  return new MaildirUserStore(mailboxes, user, opts);
}

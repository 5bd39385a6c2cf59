// The Maildir implementation of the mailbox store. Safe next to a running
// delivery: only new/ and cur/ are read (tmp/ holds unfinished files), and a
// message that was renamed or removed after the listing is looked up again by
// its base name instead of failing. Layout: cr.yp.to/proto/maildir.html.
import { closeSync, constants, openSync, promises as fsp, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { wireSizeOf } from './size.js';
import { curName, isMessageName, parseMaildirName, sortFlags, uidlOf } from './names.js';
import type { MailboxStore, MessageEntry } from './store.js';

/** The Maildir of a mailbox user under `local.mailboxes`. */
export function maildirPath(mailboxes: string, user: string): string {
  return join(mailboxes, user);
}

export function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (err) {
    if (isGone(err)) return [];
    throw err;
  }
}

/** Microseconds from a "<secs>.M<usec>P..." name (the Maildir spec's unique part), else 0. */
function usecOf(base: string): number {
  const m = /^\d+\.(?:[^.]*_)?M(\d+)/.exec(base);
  return m ? Number(m[1]) : 0;
}

/** Delivery order: seconds, then the microseconds (numerically: M99 before M100), then the name. */
export function compareBases(a: string, b: string): number {
  const ta = parseInt(a, 10) || 0;
  const tb = parseInt(b, 10) || 0;
  return ta - tb || usecOf(a) - usecOf(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export class Maildir implements MailboxStore {
  constructor(readonly dir: string) {}

  async list(): Promise<MessageEntry[]> {
    const seen = new Map<string, MessageEntry>();
    // new/ before cur/: a message moved new/ -> cur/ between the two readdirs
    // is then seen twice (kept once) rather than not at all.
    for (const folder of ['new', 'cur'] as const) {
      const names = await readdirOrEmpty(join(this.dir, folder));
      const sized = await Promise.all(
        names.filter(isMessageName).map(async (name) => {
          const parsed = parseMaildirName(name);
          const path = `${folder}/${name}`;
          const size = await wireSizeOf(join(this.dir, path), parsed).catch((err) => (isGone(err) ? undefined : Promise.reject(err)));
          return { name, parsed, path, size };
        }),
      );
      for (const { parsed, path, size } of sized) {
        // Gone between readdir and stat (deleted or renamed by another reader):
        // if renamed, the other folder's listing or the next session shows it.
        if (size === undefined) continue;
        seen.set(parsed.base, { uidl: uidlOf(parsed.base), base: parsed.base, path, flags: folder === 'cur' ? parsed.flags : '', size });
      }
    }
    return [...seen.values()].sort((a, b) => compareBases(a.base, b.base));
  }

  /** Finds the current name of a message by its base name (after a rename by someone else). */
  private async locate(entry: MessageEntry): Promise<string | undefined> {
    for (const folder of ['cur', 'new']) {
      for (const name of await readdirOrEmpty(join(this.dir, folder))) {
        if (name === entry.base || name.startsWith(`${entry.base}:`)) return `${folder}/${name}`;
      }
    }
    return undefined;
  }

  /** Runs `op` on the entry's file; on ENOENT looks the file up once more and retries. */
  private async withPath<T>(entry: MessageEntry, op: (path: string) => Promise<T>): Promise<T | undefined> {
    try {
      return await op(join(this.dir, entry.path));
    } catch (err) {
      if (!isGone(err)) throw err;
    }
    const now = await this.locate(entry);
    if (!now) return undefined;
    entry.path = now;
    entry.flags = now.startsWith('cur/') ? parseMaildirName(now.slice(4)).flags : '';
    try {
      return await op(join(this.dir, now));
    } catch (err) {
      if (isGone(err)) return undefined;
      throw err;
    }
  }

  readInline(entry: MessageEntry): Buffer | undefined {
    let fd: number;
    try {
      fd = openSync(join(this.dir, entry.path), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if (isGone(err)) return undefined;
      throw err;
    }
    try {
      // The file is at most its CRLF size: one read of size + 1 reaches EOF.
      const buf = Buffer.allocUnsafe(entry.size + 1);
      let got = 0;
      for (let n; got < buf.length && (n = readSync(fd, buf, got, buf.length - got, null)) > 0; ) got += n;
      return buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  }

  open(entry: MessageEntry): Promise<FileHandle | undefined> {
    return this.withPath(entry, (p) => fsp.open(p, constants.O_RDONLY | constants.O_NOFOLLOW));
  }

  async setFlags(entry: MessageEntry, flags: string): Promise<boolean> {
    const target = `cur/${curName(entry.base, flags)}`;
    if (entry.path === target) return true;
    const done = await this.withPath(entry, (p) => fsp.rename(p, join(this.dir, target)).then(() => true));
    if (!done) return false;
    entry.path = target;
    entry.flags = sortFlags(flags);
    return true;
  }

  async remove(entries: MessageEntry[]): Promise<void> {
    for (const e of entries) await this.withPath(e, (p) => fsp.unlink(p));
    if (entries.length) await syncDirs(this.dir);
  }
}

/** Makes renames and unlinks in new/ and cur/ durable. */
export async function syncDirs(dir: string): Promise<void> {
  for (const folder of ['new', 'cur']) {
    let fh: FileHandle | undefined;
    try {
      fh = await fsp.open(join(dir, folder), constants.O_RDONLY | constants.O_DIRECTORY);
      await fh.sync();
    } catch (err) {
      if (!isGone(err)) throw err;
    } finally {
      await fh?.close();
    }
  }
}

/** The store of one user's mailbox. */
export function openMailbox(mailboxes: string, user: string): MailboxStore {
  return new Maildir(maildirPath(mailboxes, user));
}

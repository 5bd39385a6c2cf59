// Maildir delivery (https://cr.yp.to/proto/maildir.html, Dovecot's naming):
// write tmp/<unique>, fsync, link into new/<unique>, fsync new/ — a reader of
// new/ never sees a partial file. Names are time.M<usec>P<pid>Q<seq>.<host>,S=<size>.
// tmp/ new/ cur/ are created on demand, mode 0700, owned by the mailbox's user.
// Never writes anywhere but inside local.mailboxes/<user>/.
import { closeSync, constants, fchownSync, promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MailroomError } from '../shared/errors.js';
import { fsyncDir, fsyncFd, openFd, writeAll } from '../shared/fsio.js';

export interface Owner {
  uid: number;
  gid: number;
}

let seq = 0;
/** The host part of a Maildir name: '/' and ':' are encoded as the spec asks. */
const HOST = hostname().replace(/\//g, '\\057').replace(/:/g, '\\072');

/** A unique Maildir file name for a message of `size` bytes. */
export function maildirName(size: number, now = performance.timeOrigin + performance.now()): string {
  const sec = Math.floor(now / 1000);
  const usec = Math.floor((now * 1000) % 1_000_000);
  return `${sec}.M${usec}P${process.pid}Q${++seq}.${HOST},S=${size}`;
}

/** The size recorded in a Maildir name (`,S=`), or undefined. */
export function sizeFromName(name: string): number | undefined {
  const m = /,S=(\d+)/.exec(name);
  return m ? Number(m[1]) : undefined;
}

const FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Fills a new file with the data, owned by `owner`, fsyncs and closes it.
 * Write and chown go to the page cache and are done inline (cheaper than
 * thread-pool round trips); the fsync, which waits for the disk, is not (nor
 * the creating open before it, which may wait for a journal commit).
 */
async function fillAndSync(fd: number, data: Buffer, owner: Owner | undefined): Promise<void> {
  try {
    writeAll(fd, data);
    if (owner) fchownSync(fd, owner.uid, owner.gid);
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Modes of what a delivery creates: 0700/0600 by default; 2770/0640 when the daemon's group reads mailboxes. */
export interface MaildirModes {
  dir: number;
  file: number;
}

export interface MaildirWriter {
  /** Makes the mailbox's own directory (as root, owned by `owner`) if it is missing. */
  prepare(root: string, owner: Owner): Promise<void>;
  /** Delivers one message into the Maildir at `root`; returns the path in new/. */
  deliver(root: string, owner: Owner | undefined, data: Buffer): Promise<string>;
  /** Bytes in new/ and cur/ (from `,S=` in names; stat when absent). */
  usage(root: string): Promise<number>;
}

export function createMaildirWriter(syncDir: (dir: string) => Promise<void>, modes: MaildirModes = { dir: 0o700, file: 0o600 }): MaildirWriter {
  const ready = new Set<string>();

  async function makeDir(path: string, owner: Owner | undefined): Promise<boolean> {
    try {
      await fsp.mkdir(path, { mode: modes.dir });
      // mkdir's mode passes through the umask; group access must survive it.
      if (modes.dir !== 0o700) await fsp.chmod(path, modes.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const st = await fsp.lstat(path);
      // A symlink or a file where the mailbox must be: refuse, never follow.
      if (!st.isDirectory()) throw new MailroomError('MAILBOX_UNUSABLE', `mailbox unusable: ${path} is not a directory`);
      return false;
    }
    if (owner) await fsp.chown(path, owner.uid, owner.gid);
    return true;
  }

  async function ensure(root: string, owner: Owner | undefined): Promise<void> {
    if (ready.has(root)) return;
    const parent = join(root, '..');
    await fsp.mkdir(parent, { recursive: true, mode: 0o755 });
    if (await makeDir(root, owner)) await fsyncDir(parent);
    let made = false;
    for (const sub of ['tmp', 'new', 'cur']) made = (await makeDir(join(root, sub), owner)) || made;
    if (made) await fsyncDir(root);
    ready.add(root);
  }

  async function attempt(root: string, owner: Owner | undefined, data: Buffer): Promise<string> {
    for (let i = 0; ; i++) {
      const name = maildirName(data.length);
      const tmp = join(root, 'tmp', name);
      const fd = await openFd(tmp, FILE_FLAGS, modes.file);
      try {
        await fillAndSync(fd, data, owner);
        const final = join(root, 'new', name);
        try {
          // link, not rename: it never replaces an existing message.
          await fsp.link(tmp, final);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST' && i < 3) continue;
          throw err;
        }
        await syncDir(join(root, 'new'));
        return final;
      } finally {
        await fsp.unlink(tmp).catch(() => undefined);
      }
    }
  }

  return {
    async prepare(root, owner) {
      if (ready.has(root)) return;
      const parent = join(root, '..');
      await fsp.mkdir(parent, { recursive: true, mode: 0o755 });
      if (await makeDir(root, owner)) await fsyncDir(parent);
    },
    async deliver(root, owner, data) {
      await ensure(root, owner);
      try {
        return await attempt(root, owner, data);
      } catch (err) {
        // Someone removed the Maildir (or a subdirectory) since we made it: make it again, once.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        ready.delete(root);
        await ensure(root, owner);
        return attempt(root, owner, data);
      }
    },
    async usage(root) {
      let total = 0;
      for (const sub of ['new', 'cur']) {
        let names: string[];
        try {
          names = await fsp.readdir(join(root, sub));
        } catch {
          continue;
        }
        for (const n of names) {
          if (n.startsWith('.')) continue;
          const s = sizeFromName(n);
          if (s !== undefined) total += s;
          else total += await fsp.stat(join(root, sub, n)).then((st) => st.size, () => 0);
        }
      }
      return total;
    },
  };
}

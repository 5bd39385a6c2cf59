// mbox delivery for mail(1) (`local.format: mbox`, and /file alias targets):
// a `From sender date` line, mboxrd quoting (a line matching /^>*From / gets
// one more '>'), a blank line after the message; appended under a dot-lock in
// one write, fsynced, and cut back to its old length if the write fails, so a
// reader never sees half a message appended for good. Never follows symlinks.
import { constants, promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDir } from '../shared/fsio.js';
import { MailroomError } from '../shared/errors.js';
import { dotlock, type DotlockOptions } from './dotlock.js';
import type { Owner } from './maildir.js';

/** asctime(3) form used by From_ lines: "Thu Nov  7 06:29:24 2026" (local time). */
export function asctime(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

/** mboxrd quoting of an LF message: every line matching /^>*From / gets one more '>'. */
export function quoteFromLines(message: Buffer): Buffer {
  const s = message.toString('latin1');
  if (!/^>*From /m.test(s)) return message;
  return Buffer.from(s.replace(/^(>*From )/gm, '>$1'), 'latin1');
}

/** One mbox entry: From_ line, the quoted message, a guaranteed final newline and a blank line. */
export function mboxEntry(sender: string, date: Date, message: Buffer): Buffer {
  const from = Buffer.from(`From ${sender || 'MAILER-DAEMON'} ${asctime(date)}\n`, 'utf8');
  const body = quoteFromLines(message);
  const tail = body.length && body[body.length - 1] === 0x0a ? '\n' : '\n\n';
  return Buffer.concat([from, body, Buffer.from(tail)]);
}

const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW;

/** Appends an mbox entry to `file` under its dot-lock; creates it (0600, owned by `owner`) when missing. */
export async function appendMbox(file: string, entry: Buffer, owner: Owner | undefined, lock: DotlockOptions = {}): Promise<void> {
  const unlock = await dotlock(file, lock);
  try {
    let fh: fsp.FileHandle;
    let created = false;
    try {
      fh = await fsp.open(file, APPEND | constants.O_CREAT | constants.O_EXCL, 0o600);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      fh = await fsp.open(file, APPEND);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new MailroomError('MAILBOX_UNUSABLE', `mailbox unusable: ${file} is not a regular file`);
      if (created && owner) await fh.chown(owner.uid, owner.gid);
      const before = st.size;
      try {
        await fh.writeFile(entry);
        await fh.sync();
      } catch (err) {
        // Leave the mailbox as it was: no half message for mail(1) to choke on.
        await fh.truncate(before).catch(() => undefined);
        throw err;
      }
    } finally {
      await fh.close();
    }
    if (created) await fsyncDir(dirname(file));
  } finally {
    await unlock();
  }
}

// Dot-locking for mbox files (<file>.lock, created O_EXCL), the lock mail(1),
// mutt and procmail honour on /var/mail. A lock older than `staleMs` is left
// over from a crash and removed; a fresh one is waited for, up to a limit,
// after which the delivery is deferred (LOCK_BUSY), never forced.
import { constants, promises as fsp } from 'node:fs';
import { MailroomError } from '../shared/errors.js';

export interface DotlockOptions {
  timeoutMs?: number;
  staleMs?: number;
}

export async function dotlock(file: string, o: DotlockOptions = {}): Promise<() => Promise<void>> {
  const lock = `${file}.lock`;
  const until = Date.now() + (o.timeoutMs ?? 10_000);
  const stale = o.staleMs ?? 5 * 60_000;
  let wait = 10;
  for (;;) {
    try {
      const fh = await fsp.open(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return () => fsp.unlink(lock).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = await fsp.lstat(lock).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > stale) {
      await fsp.unlink(lock).catch(() => undefined);
      continue;
    }
    if (Date.now() > until) throw new MailroomError('LOCK_BUSY', `${file} is locked (${lock})`);
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 200);
  }
}

// The daemon's claim on its spool: locks/daemon.pid holding "<pid> <start time>".
// Unlike a lock kept fresh by a timer, it is free the moment its holder dies
// (kill -9 included), so a restart after a crash is immediate. The process start
// time (from /proc) tells a live holder from a recycled pid, e.g. a daemon that
// is pid 1 in a container after every restart. Postfix: master.lock.
import { promises as fsp } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MailroomError } from '../shared/errors.js';

/** The kernel's start time of a process (clock ticks since boot), or undefined without /proc. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function holderAlive(text: string): boolean {
  const [pidText, start] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTimeOf(pid);
  return !(start && now && start !== now);
}

const readText = (file: string) => fsp.readFile(file, 'utf8').catch(() => undefined);

/** Takes the spool for this process; throws DAEMON_RUNNING when a live daemon holds it. */
export async function lockSpool(locksDir: string, spool: string): Promise<() => Promise<void>> {
  const file = join(locksDir, 'daemon.pid');
  const mutex = join(locksDir, 'daemon.takeover');
  const mine = `${process.pid} ${startTimeOf(process.pid) ?? '-'}\n`;
  const tmp = join(locksDir, `daemon.pid.${process.pid}`);
  await fsp.writeFile(tmp, mine, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await fsp.link(tmp, file); // atomic: fails with EEXIST when anyone holds it
        return async () => {
          if ((await readText(file)) === mine) await fsp.rm(file, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = await readText(file);
      if (holder === undefined) continue;
      if (holderAlive(holder)) throw new MailroomError('DAEMON_RUNNING', `another mailroom daemon (pid ${holder.trim().split(/\s+/)[0]}) is running on ${spool}`);
      // Stale: remove it, but only under a mutex and only if it is still the stale
      // one, so two daemons starting at once cannot both take over.
      try {
        await fsp.mkdir(mutex);
      } catch {
        const st = await fsp.stat(mutex).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > 10_000) await fsp.rmdir(mutex).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
        continue;
      }
      try {
        if ((await readText(file)) === holder) await fsp.rm(file, { force: true });
      } finally {
        await fsp.rmdir(mutex).catch(() => undefined);
      }
    }
    throw new MailroomError('DAEMON_RUNNING', `cannot take ${file}; is another daemon starting?`);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

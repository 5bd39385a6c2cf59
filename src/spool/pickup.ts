// The daemon's side of maildrop/: validate each drop file as hostile input,
// publish it into the queue under the id it was dropped with, then remove the
// drop file. The queue id makes a crash between publish and unlink harmless:
// the next pickup finds the message already queued and only removes the drop.
// The submitting user is the file's owner, never what the file claims.
import { constants, promises as fsp, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { addressProblem } from '../message/address.js';
import type { Logger } from '../shared/log.js';
import { newEnvelope } from './envelope.js';
import { ADDED_HEADERS_ROOM, DROP_TMP_SUFFIX, DropFormatError, parseDrop } from './maildrop.js';
import type { SpoolPaths } from './paths.js';
import type { Publisher } from './publish.js';
import { isQueueId, type QueueId } from './queue-id.js';
import { locate } from './transition.js';
import { userNameOf } from '../shared/passwd.js';

export interface Pickup {
  kick(): void;
  close(): Promise<void>;
}

const STALE_TMP_MS = 24 * 3_600_000;
const PARALLEL = 32;

export function startPickup(paths: SpoolPaths, publisher: Publisher, log: Logger, opts: { maxMessageSize: number; intervalMs?: number }): Pickup {
  const inFlight = new Set<string>();
  let scanning = false;
  let again = false;
  let closed = false;

  async function moveAside(name: string, reason: string): Promise<void> {
    log.warn('maildrop file moved to corrupt/', { file: name, reason });
    await fsp.rename(join(paths.maildrop, name), join(paths.corrupt, `drop-${name}`)).catch(() => undefined);
  }

  async function take(name: string): Promise<void> {
    const file = join(paths.maildrop, name);
    if (name.endsWith(DROP_TMP_SUFFIX)) {
      const st = await fsp.stat(file).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > STALE_TMP_MS) await fsp.rm(file, { force: true });
      return;
    }
    if (!isQueueId(name)) return moveAside(name, 'not a queue id');
    const id = name as QueueId;
    let fh;
    try {
      fh = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      return moveAside(name, `cannot open: ${(err as Error).message}`);
    }
    let buf: Buffer;
    let uid: number;
    try {
      const st = await fh.stat();
      if (!st.isFile()) return moveAside(name, 'not a regular file');
      if (st.size > opts.maxMessageSize * 2 + 65536) return moveAside(name, `too large (${st.size} bytes)`);
      uid = st.uid;
      buf = await fh.readFile();
    } finally {
      await fh.close();
    }
    let drop;
    try {
      drop = parseDrop(buf);
      if (drop.env.sender !== '' && addressProblem(drop.env.sender)) throw new DropFormatError(`bad sender: ${addressProblem(drop.env.sender)}`);
      if (drop.env.recipients.length === 0) throw new DropFormatError('no recipients');
      for (const r of drop.env.recipients) {
        const why = typeof r?.address === 'string' ? addressProblem(r.address) : 'not a string';
        if (why) throw new DropFormatError(`bad recipient: ${why}`);
      }
      if (drop.content.length > opts.maxMessageSize + ADDED_HEADERS_ROOM) throw new DropFormatError('message larger than maxMessageSize');
    } catch (err) {
      return moveAside(name, (err as Error).message);
    }
    if (!(await locate(paths, id))) {
      const user = userNameOf(uid);
      if (drop.env.uid !== uid) log.warn('maildrop file claims another uid', { file: name, claimed: drop.env.uid, owner: uid });
      const env = newEnvelope(id, { ...drop.env, createdAt: drop.env.createdAt }, { uid, user, source: 'sendmail', size: drop.content.length });
      await publisher.publish(env, drop.content);
      log.event(id, 'queued', { from: `<${env.sender}>`, size: env.size, nrcpt: env.recipients.length, via: 'sendmail', uid, user });
    }
    await fsp.rm(file, { force: true });
  }

  async function scan(): Promise<void> {
    if (scanning) {
      again = true;
      return;
    }
    scanning = true;
    try {
      do {
        again = false;
        let names: string[];
        try {
          names = (await fsp.readdir(paths.maildrop)).sort();
        } catch (err) {
          log.error('cannot read maildrop', { error: (err as Error).message });
          return;
        }
        const todo = names.filter((n) => !inFlight.has(n));
        let next = 0;
        const worker = async () => {
          while (next < todo.length && !closed) {
            const name = todo[next++]!;
            inFlight.add(name);
            try {
              await take(name);
            } catch (err) {
              log.error('pickup failed; will retry', { file: name, error: (err as Error).message });
            } finally {
              inFlight.delete(name);
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(PARALLEL, todo.length) }, worker));
      } while (again && !closed);
    } finally {
      scanning = false;
    }
  }

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(paths.maildrop, () => void scan());
    watcher.on('error', () => undefined);
  } catch {
    /* no inotify: the timer and pokes still work */
  }
  const timer = setInterval(() => void scan(), opts.intervalMs ?? 5000);
  void scan();
  return {
    kick: () => void scan(),
    async close() {
      closed = true;
      clearInterval(timer);
      watcher?.close();
      while (scanning) await new Promise((r) => setTimeout(r, 20));
    },
  };
}

// Delivery to `/path` alias targets (only from a root-owned aliases file): the
// message is appended in mbox format. Decision (the issue left it open): the
// daemon appends as root only when the file is root's (or is to be created in
// a directory that only root can write), so root's privileges never reach a
// file another user controls; any other file is appended by a child process
// running as `nobody`, which succeeds only if nobody may write it.
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { appendMbox } from './mbox.js';
import { outcomeForError } from './classify.js';
import type { DotlockOptions } from './dotlock.js';
import type { Owner } from './maildir.js';
import type { DeliveryOutcome } from '../shared/delivery.js';
import { replies } from '../shared/replies.js';

async function rootMayWrite(path: string): Promise<'root' | 'other' | 'refuse'> {
  const st = await fsp.lstat(path).catch(() => undefined);
  if (st) {
    if (st.isSymbolicLink() || !st.isFile()) return 'refuse';
    return st.uid === 0 ? 'root' : 'other';
  }
  const dir = await fsp.lstat(dirname(path)).catch(() => undefined);
  if (!dir || !dir.isDirectory()) return 'refuse';
  return dir.uid === 0 && (dir.mode & 0o022) === 0 ? 'root' : 'other';
}

function appendAs(user: Owner, path: string, entry: Buffer, timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', 'umask 077; exec cat >> "$1"', 'sh', path], { cwd: '/', env: { PATH: '/usr/bin:/bin' }, stdio: ['pipe', 'ignore', 'pipe'], uid: user.uid, gid: user.gid });
    let stderr = '';
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.stdin!.on('error', () => undefined);
    child.on('error', (e) => {
      clearTimeout(t);
      resolve({ code: null, stderr: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stderr });
    });
    child.stdin!.end(entry);
  });
}

export async function deliverToFile(path: string, entry: Buffer, nobody: Owner | undefined, o: { lock: DotlockOptions; timeoutMs: number }): Promise<DeliveryOutcome> {
  const relay = `file:${path}`;
  const who = await rootMayWrite(path);
  if (who === 'refuse') return { ...replies.mailboxUnusable(`${path} is not a regular file (or its directory is missing)`), relay };
  if (who === 'root' || !nobody) {
    try {
      await appendMbox(path, entry, undefined, o.lock);
      return { ...replies.delivered('appended to file'), relay };
    } catch (err) {
      return outcomeForError(err, relay, path);
    }
  }
  const r = await appendAs(nobody, path, entry, o.timeoutMs);
  if (r.code === 0) return { ...replies.delivered('appended to file (as nobody)'), relay };
  const why = r.stderr.split('\n').map((l) => l.trim()).find(Boolean) ?? `exit ${r.code}`;
  return { ...replies.localTemporary(`cannot append to ${path} as nobody: ${why}`), relay };
}

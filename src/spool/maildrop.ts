// The maildrop file: what the sendmail command leaves in maildrop/ (mode 1733)
// for the daemon to pick up. One file per message: a first line of JSON (the
// drop envelope), then the message with CRLF line endings. The file's owner is
// the submitting user. Written with synchronous I/O: this is the fast path and
// imports nothing heavy.
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { DsnNotify } from './envelope.js';
import { writeAll } from '../shared/fsio.js';
import type { QueueId } from './queue-id.js';

export const DROP_VERSION = 1;

export interface DropRecipient {
  address: string;
  notify?: DsnNotify[];
  orcpt?: string;
}

export interface DropEnvelope {
  v: typeof DROP_VERSION;
  sender: string;
  recipients: DropRecipient[];
  dsn: { ret?: 'FULL' | 'HDRS'; envid?: string };
  body: '7BIT' | '8BITMIME';
  smtputf8: boolean;
  uid: number;
  user: string;
  createdAt: string;
}

export const DROP_TMP_SUFFIX = '.tmp';

/** Mode of a drop file (see writeDrop). */
export const DROP_MODE = 0o644;

/**
 * Room for the header lines mailroom itself adds (Received, Date, Message-ID,
 * From) on top of maxMessageSize: the submitter's check and the daemon's
 * check of a drop file use the same bound, so nothing accepted is refused later.
 */
export const ADDED_HEADERS_ROOM = 4096;

/**
 * Writes a drop file durably: a temporary name, fsync, rename to the queue id,
 * then make the rename durable. The directory cannot be opened by users who may
 * not list it (mode 1733), so for them a second fsync of the file, which on
 * journalling file systems (ext4, xfs) commits the rename too, stands in.
 */
export function writeDrop(maildrop: string, id: QueueId, env: DropEnvelope, content: Buffer): string {
  const tmp = join(maildrop, id + DROP_TMP_SUFFIX);
  const final = join(maildrop, id);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    try {
      // Readable by the daemon, which runs as its own user: nobody else can
      // find the file, since maildrop/ cannot be listed (1733) and the name
      // is a fresh queue id. fchmod, because the caller's umask may be 077.
      fchmodSync(fd, DROP_MODE);
      const head = Buffer.from(JSON.stringify(env) + '\n', 'utf8');
      writeAll(fd, head);
      writeAll(fd, content);
      fsyncSync(fd);
      renameSync(tmp, final);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        /* already gone */
      }
      throw err;
    }
    try {
      const dfd = openSync(maildrop, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      fsyncSync(fd);
    }
  } finally {
    closeSync(fd);
  }
  return final;
}

export class DropFormatError extends Error {}

export function parseDrop(buf: Buffer): { env: DropEnvelope; content: Buffer } {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) throw new DropFormatError('no envelope line');
  let env: DropEnvelope;
  try {
    env = JSON.parse(buf.subarray(0, nl).toString('utf8'));
  } catch {
    throw new DropFormatError('envelope line is not JSON');
  }
  if (env?.v !== DROP_VERSION) throw new DropFormatError(`unknown drop version ${JSON.stringify(env?.v)}`);
  if (typeof env.sender !== 'string' || !Array.isArray(env.recipients)) throw new DropFormatError('bad drop envelope');
  return { env, content: buf.subarray(nl + 1) };
}

// Readers of what a test left on disk: drop files in maildrop/, what the
// front end's daemon committed, queued envelopes and messages in every queue
// state, header fields of a stored message, and the spool's mail files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DsnNotify } from '../../src/spool/envelope.js';
import { decodeRecords, JOURNAL_START } from '../../src/spool/journal-format.js';
import { parseDrop, type DropEnvelope } from '../../src/spool/maildrop.js';
import { autoDaemons, type Sandbox } from './sandbox.js';

export interface DropFile {
  id: string;
  path: string;
  /** Owner of the file: the submitting user. */
  uid: number;
  env: DropEnvelope;
  /** The message as stored (CRLF). */
  content: Buffer;
}

/**
 * What the front end's daemon committed, as committed: its commit journal's
 * records (the envelope and the message the daemon stored), read once it has
 * stopped. The queue itself may already show the queue manager's work
 * (aliases expanded, recipients deduplicated), which is not sendmail's.
 */
const committed = new Map<string, Map<string, DropFile>>();
export function stashCommitted(sb: Sandbox): void {
  let b: Buffer;
  try {
    b = readFileSync(join(sb.spool, 'journal'));
  } catch {
    return;
  }
  if (b.length < JOURNAL_START + 16) return;
  const mine = committed.get(sb.dir) ?? new Map<string, DropFile>();
  committed.set(sb.dir, mine);
  for (const rec of decodeRecords(b, Number(b.readBigUInt64LE(JOURNAL_START + 8)))) {
    const m = /^(?:incoming|hold)\/(\w+)\.env$/.exec(rec.name);
    if (m && rec.envelope.length) mine.set(m[1]!, dropOf(m[1]!, JSON.parse(rec.envelope.toString('utf8')), Buffer.from(rec.data), join(sb.spool, 'data', `${m[1]}.eml`)));
  }
}

function dropOf(id: string, e: any, content: Buffer, path: string): DropFile {
  const recipients = e.recipients.map((r: { address: string; notify?: DsnNotify[]; orcpt?: string }) => ({ address: r.address, ...(r.notify ? { notify: r.notify } : {}), ...(r.orcpt ? { orcpt: r.orcpt } : {}) }));
  const env: DropEnvelope = { v: 1, sender: e.sender, recipients, dsn: e.dsn, body: e.body, smtputf8: e.smtputf8, uid: e.uid, user: e.user, createdAt: e.createdAt };
  return { id, path, uid: e.uid, env, content };
}

/**
 * The finished drop files in the sandbox's maildrop/ (temporary files skipped), oldest id first.
 * With the daemon sendmail() started for the front end (SENDMAIL_PATH), also
 * what it queued, in the same shape: what sendmail submitted, by either path.
 */
export function readDrops(sb: Sandbox): DropFile[] {
  const dir = join(sb.spool, 'maildrop');
  const drops = !existsSync(dir)
    ? []
    : readdirSync(dir)
        .filter((n) => !n.endsWith('.tmp'))
        .map((id) => {
          const path = join(dir, id);
          const { env, content } = parseDrop(readFileSync(path));
          return { id, path, uid: statSync(path).uid, env, content };
        });
  // maildrop/ first, then what the daemon committed, then the queue (pickup
  // publishes before it removes the drop file).
  if (autoDaemons.has(sb.dir)) {
    for (const [id, d] of committed.get(sb.dir) ?? []) if (!drops.some((x) => x.id === id)) drops.push(d);
    for (const id of queuedIds(sb)) {
      const q = drops.some((d) => d.id === id) ? undefined : readQueued(sb, id);
      if (q) drops.push(dropOf(id, q.env, q.eml, join(sb.spool, 'data', `${id}.eml`)));
    }
  }
  return drops.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Everything in maildrop/ (also temporary files): what a refused submission
 * must not leave. With the front end's daemon (SENDMAIL_PATH), the queue too.
 */
export function maildropNames(sb: Sandbox): string[] {
  const dir = join(sb.spool, 'maildrop');
  const names = existsSync(dir) ? readdirSync(dir) : [];
  return autoDaemons.has(sb.dir) ? [...names, ...queuedIds(sb)] : names;
}

/** The queue state directory (incoming, deferred, hold) holding <id>.env, if any. */
export function queuedState(sb: Sandbox, id: string): string | undefined {
  return ['incoming', 'deferred', 'hold'].find((s) => existsSync(join(sb.spool, s, `${id}.env`)));
}

/**
 * The queued envelope (parsed JSON) and message of <id>, once the daemon has
 * picked it up. The queue manager may move the envelope between states while
 * we look (incoming/ → hold/), so a vanished file is looked for again.
 */
export function readQueued(sb: Sandbox, id: string): { state: string; env: any; eml: Buffer } | undefined {
  for (let tries = 0; tries < 20; tries++) {
    const state = queuedState(sb, id);
    if (!state) return undefined;
    try {
      const env = JSON.parse(readFileSync(join(sb.spool, state, `${id}.env`), 'utf8'));
      return { state, env, eml: readFileSync(join(sb.spool, 'data', `${id}.eml`)) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  throw new Error(`${id}: the envelope kept moving between queue states`);
}

/** The queued envelope of <id> (parsed JSON), wherever it is; throws when it is not queued. */
export function queuedEnvelope(sb: Sandbox, id: string): any {
  const q = readQueued(sb, id);
  if (!q) throw new Error(`${id} is not in the queue`);
  return q.env;
}

/** Splits a stored CRLF message into its header fields (unfolded, in order) and body bytes. */
export function splitMessage(content: Buffer): { head: string; fields: { name: string; value: string }[]; body: Buffer } {
  const end = content.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('stored message has no empty line after the header');
  const head = content.subarray(0, end).toString('utf8');
  const fields: { name: string; value: string }[] = [];
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1]!.value += ' ' + line.trim();
    else fields.push({ name: line.slice(0, line.indexOf(':')), value: line.slice(line.indexOf(':') + 1).trim() });
  }
  return { head, fields, body: content.subarray(end + 4) };
}

/** The values of one header field (case-insensitive name). */
export function headerValues(content: Buffer, name: string): string[] {
  return splitMessage(content).fields.filter((f) => f.name.toLowerCase() === name.toLowerCase()).map((f) => f.value);
}

const QUEUE_DIRS = ['incoming', 'deferred', 'hold'] as const;

/**
 * The .env file of a queued message in whichever queue state it is in. The
 * queue manager moves messages on at once (to hold/ in the sandbox's
 * relay.mode: hold), so tests of acceptance look in every state.
 */
export function queuedEnvPath(sb: Sandbox, id: string): string | undefined {
  const state = queuedState(sb, id);
  return state ? join(sb.spool, state, `${id}.env`) : undefined;
}

/** Ids of every queued message (incoming, deferred and hold), sorted. */
export function queuedIds(sb: Sandbox): string[] {
  const out: string[] = [];
  for (const d of QUEUE_DIRS) {
    const dir = join(sb.spool, d);
    if (existsSync(dir)) for (const f of readdirSync(dir)) if (f.endsWith('.env')) out.push(f.slice(0, -4));
  }
  return out.sort();
}


/**
 * Every file in the sandbox's spool that holds mail (maildrop/ included): the
 * daemon's own files (the commit journal, its locks) do not count.
 */
export function spoolFiles(sb: Sandbox): string[] {
  if (!existsSync(sb.spool)) return [];
  return (readdirSync(sb.spool, { recursive: true }) as string[]).filter((f) => f !== 'journal' && !f.startsWith('locks/') && statSync(join(sb.spool, f)).isFile());
}

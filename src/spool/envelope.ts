// The envelope of a queued message (<state>/<id>.env, JSON): sender, recipients
// each with its own delivery state, DSN parameters, who submitted it and when.
// Format and versions: spool/FORMAT.md. Unknown versions are never guessed at:
// the reader rejects them and the caller moves the file to corrupt/.
import { isQueueId, type QueueId } from './queue-id.js';

export const ENVELOPE_VERSION = 1;

export type RecipientStatus = 'pending' | 'deferred' | 'delivered' | 'failed';
export type DsnNotify = 'NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY';
export type Source = 'sendmail' | 'socket' | 'smtp' | 'bounce';

export interface Recipient {
  address: string;
  status: RecipientStatus;
  attempts: number;
  lastError: string | null;
  /** The RFC 3463 status of lastError when its reply had one ("4.2.2"): a DSN's Status field. */
  lastStatus?: string;
  /** RFC 3461 NOTIFY; absent = the MTA's default (FAILURE, DELAY). */
  notify?: DsnNotify[];
  /** RFC 3461 ORCPT, as received. */
  orcpt?: string;
  /** Set when this recipient came from expanding a local alias: the address it replaced. */
  parent?: string;
  /** Set once a local recipient is resolved: where it is delivered (route/destination.ts). */
  dest?: { kind: 'mailbox'; user: string } | { kind: 'pipe'; command: string; alias: string } | { kind: 'file'; path: string; alias: string };
  /** ISO time of the last delivery attempt. */
  lastAttemptAt?: string;
}

export interface Envelope {
  version: typeof ENVELOPE_VERSION;
  id: QueueId;
  /** Envelope sender; '' is the null sender (<>). */
  sender: string;
  recipients: Recipient[];
  dsn: { ret?: 'FULL' | 'HDRS'; envid?: string };
  body: '7BIT' | '8BITMIME';
  smtputf8: boolean;
  /** Submitting user: the owner of the maildrop file, or the socket peer. */
  uid: number | null;
  user: string | null;
  source: Source;
  /** For network submissions: the client address. */
  client?: string;
  createdAt: string;
  nextAttemptAt: string | null;
  size: number;
  /** Local aliases already expanded into `recipients`. */
  expanded?: boolean;
  /** A delay warning DSN has been sent (relay.delayWarning). */
  delayWarned?: boolean;
  /** This bounce is itself about a failed bounce: if it fails, log and drop. */
  doubleBounce?: boolean;
  /**
   * An administrator released it (`mailroom queue release`): who (login name)
   * and when. Under relay.mode hold the runner then sends it on instead of
   * holding it again; `mailroom queue hold` takes it away.
   */
  release?: { by: string; at: string };
}

export class EnvelopeFormatError extends Error {}

function fail(why: string): never {
  throw new EnvelopeFormatError(why);
}

const statuses = new Set(['pending', 'deferred', 'delivered', 'failed']);

/** Parses and checks an envelope file's text; throws EnvelopeFormatError when damaged. */
export function parseEnvelope(text: string, expectId?: QueueId): Envelope {
  let raw: any;
  try {
    raw = JSON.parse(text);
  } catch {
    fail('not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null) fail('not an object');
  if (raw.version !== ENVELOPE_VERSION) fail(`unknown envelope version ${JSON.stringify(raw.version)}`);
  if (typeof raw.id !== 'string' || !isQueueId(raw.id)) fail('bad id');
  if (expectId && raw.id !== expectId) fail(`id ${raw.id} does not match file name ${expectId}`);
  if (typeof raw.sender !== 'string') fail('bad sender');
  if (!Array.isArray(raw.recipients) || raw.recipients.length === 0) fail('no recipients');
  for (const r of raw.recipients) {
    if (typeof r?.address !== 'string' || !statuses.has(r.status) || typeof r.attempts !== 'number') fail('bad recipient');
    if (r.lastStatus !== undefined && (typeof r.lastStatus !== 'string' || !/^[245]\.\d{1,3}\.\d{1,3}$/.test(r.lastStatus))) fail('bad recipient');
  }
  if (typeof raw.createdAt !== 'string' || Number.isNaN(Date.parse(raw.createdAt))) fail('bad createdAt');
  if (typeof raw.size !== 'number') fail('bad size');
  if (raw.release !== undefined && (typeof raw.release?.by !== 'string' || typeof raw.release.at !== 'string' || Number.isNaN(Date.parse(raw.release.at)))) fail('bad release');
  return raw as Envelope;
}

export function serializeEnvelope(env: Envelope): string {
  return JSON.stringify(env) + '\n';
}

/** True when no recipient is left to deliver. */
export function isFinished(env: Envelope): boolean {
  return env.recipients.every((r) => r.status === 'delivered' || r.status === 'failed');
}

/** The queue envelope of a message that arrived as a drop file or on a socket. */
export function newEnvelope(
  id: QueueId,
  d: { sender: string; recipients: { address: string; notify?: DsnNotify[]; orcpt?: string }[]; dsn: Envelope['dsn']; body: Envelope['body']; smtputf8: boolean; createdAt: string },
  who: { uid: number | null; user: string | null; source: Source; client?: string; size: number },
): Envelope {
  return {
    version: ENVELOPE_VERSION,
    id,
    sender: d.sender,
    recipients: d.recipients.map((r) => ({
      address: r.address,
      status: 'pending' as const,
      attempts: 0,
      lastError: null,
      ...(r.notify ? { notify: r.notify } : {}),
      ...(r.orcpt ? { orcpt: r.orcpt } : {}),
    })),
    dsn: d.dsn,
    body: d.body,
    smtputf8: d.smtputf8,
    uid: who.uid,
    user: who.user,
    source: who.source,
    ...(who.client ? { client: who.client } : {}),
    createdAt: d.createdAt,
    nextAttemptAt: null,
    size: who.size,
  };
}

// One `listen` entry's settings as the listener applies them: read from a
// validated Config, with the defaults filled in. A reload builds new ones;
// each session keeps those it started with.
import { readFileSync } from 'node:fs';
import type { BlockList } from 'node:net';
import type { Config } from '../../config/load.js';
import { submitViewOf } from '../../config/load.js';
import type { SubmitView } from '../../config/submit-view.js';
import type { Rate } from './limits.js';
import { networksOf } from './policy.js';

export type ListenEntry = Config['listen'][number];

export interface Settings {
  where: string;
  tls: 'starttls' | 'implicit' | 'none';
  auth: 'required' | 'optional' | 'off';
  view: SubmitView;
  usersFile: string;
  relayFrom: BlockList;
  maxRecipients: number;
  maxMessageSize: number;
  maxConnectionsPerClient: number;
  maxErrors: number;
  perUser: Rate | undefined;
  perClient: Rate | undefined;
}

export function settingsOf(config: Config, entry: ListenEntry): Settings {
  return {
    where: entry.address,
    tls: entry.tls,
    auth: entry.auth,
    view: submitViewOf(config),
    usersFile: config.users,
    relayFrom: networksOf(entry.relayFrom),
    maxRecipients: entry.maxRecipients,
    maxMessageSize: entry.maxMessageSize ?? config.maxMessageSize,
    maxConnectionsPerClient: entry.maxConnectionsPerClient,
    maxErrors: entry.maxErrors,
    perUser: entry.rateLimit?.perUser,
    perClient: entry.rateLimit?.perClient,
  };
}

/** The certificate and key of the top-level `tls`, read now; undefined when the entry has no TLS. */
export function tlsMaterial(config: Config, entry: ListenEntry): { key: Buffer; cert: Buffer } | undefined {
  if (entry.tls === 'none' || !config.tls) return undefined;
  return { key: readFileSync(config.tls.key), cert: readFileSync(config.tls.cert) };
}

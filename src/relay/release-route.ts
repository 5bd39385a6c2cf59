// Where a message an administrator released goes while relay.mode is hold:
// capture mode keeps mail for inspection, and `mailroom queue release` lets a
// chosen message go on. It goes through the smart hosts (the relay.routes
// entry matching its sender, else relay.smarthosts), or by MX when the
// configuration sets relay.mx itself; with neither there is nowhere to send it.
import type { Config } from '../config/load.js';
import type { Envelope } from '../spool/envelope.js';
import { smarthostsFor } from './targets.js';

export type ReleaseRoute = 'smarthost' | 'mx';

/** Why a release under relay.mode hold cannot send remote mail (the CLI's and the log's wording). */
export const NO_RELEASE_ROUTE = 'relay.mode is hold and no relay.smarthosts are set';

/** The way remote recipients of a released message take; undefined when there is none. */
export function releaseRouteFor(config: Config, sender: string): ReleaseRoute | undefined {
  if (smarthostsFor(config, sender).targets.length > 0) return 'smarthost';
  if (config.given.relayMx) return 'mx';
  return undefined;
}

/**
 * How the queue runner sends a message's remote recipients: the configured
 * mode, or for a released message under relay.mode hold its release route.
 * 'hold' keeps it; 'none' fails them.
 */
export function remoteRouteFor(config: Config, sender: string, released: boolean): ReleaseRoute | 'hold' | 'none' {
  const mode = config.relay.mode;
  if (mode !== 'hold') return mode;
  return (released && releaseRouteFor(config, sender)) || 'hold';
}

/**
 * Why releasing `env` would only hold it again (relay.mode hold, remote
 * recipients left, no release route); undefined when it can go. Recipients
 * in local.domains (or resolved to a local destination) are
 * delivered here whatever the mode, so they do not need a route.
 */
export function releaseRefusal(config: Config, env: Envelope): string | undefined {
  if (config.relay.mode !== 'hold' || releaseRouteFor(config, env.sender)) return undefined;
  const local = new Set(config.local.domains);
  const remote = env.recipients.some((r) => {
    if ((r.status !== 'pending' && r.status !== 'deferred') || r.dest) return false;
    const at = r.address.lastIndexOf('@');
    return at >= 0 && !local.has(r.address.slice(at + 1).toLowerCase());
  });
  return remote ? NO_RELEASE_ROUTE : undefined;
}

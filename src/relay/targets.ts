// Which smart hosts carry a message: the first relay.routes entry whose sender
// pattern matches (shell-style "*"), else relay.smarthosts.
import type { Config } from '../config/load.js';
import type { Target } from './session.js';

type SmarthostConfig = Config['relay']['smarthosts'][number];

export function senderMatches(pattern: string, sender: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 'i');
  return re.test(sender);
}

// One Target per configuration entry, so what is kept per Target (the TLS
// files, tls-files.ts) is kept per configuration.
const targets = new WeakMap<SmarthostConfig, Target>();

export function toTarget(h: SmarthostConfig): Target {
  let t = targets.get(h);
  if (!t) {
    t = { host: h.host, port: h.port, tls: h.tls, tlsVerify: h.tlsVerify, ca: h.ca, clientCert: h.clientCert, auth: h.auth };
    targets.set(h, t);
  }
  return t;
}

export function smarthostsFor(config: Config, sender: string): { targets: Target[]; route: string } {
  const route = config.relay.routes.find((r) => senderMatches(r.sender, sender));
  if (route) return { targets: route.smarthosts.map(toTarget), route: route.sender };
  return { targets: config.relay.smarthosts.map(toTarget), route: 'default' };
}

// What a relay target is (a host, its TLS and AUTH), and which smart hosts
// carry a message: the first relay.routes entry whose sender pattern matches
// (shell-style "*"), else relay.smarthosts.
import type { Config } from '../config/load.js';
import type { OAuth2Config } from './oauth2.js';
import type { PasswordSource } from './secrets.js';

export type TlsPolicy = 'starttls' | 'implicit' | 'none' | 'opportunistic';

export interface AuthConfig extends PasswordSource {
  user: string;
  oauth2?: OAuth2Config | undefined;
  mechanisms?: string[] | undefined;
}

export interface Target {
  /** Name for logs, SNI and certificate checks. */
  host: string;
  /** Address to connect to (an IP from DNS for MX), default: host. */
  address?: string;
  port: number;
  tls: TlsPolicy;
  tlsVerify: boolean;
  ca?: string | undefined;
  clientCert?: { cert: string; key: string } | undefined;
  auth?: AuthConfig | undefined;
}


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

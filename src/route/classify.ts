// Where a recipient goes: local (a local domain or a bare name) or the relay,
// and through what (smart host, MX, held). Used by `sendmail -bv` and
// `mailroom test`; the relay and local delivery stages use the same answer.
import type { Config } from '../config/load.js';
import { domainOf } from '../message/address.js';
import { senderMatches } from '../relay/targets.js';

export type Route =
  | { kind: 'local'; user: string }
  | { kind: 'smarthost'; hosts: { host: string; port: number; tls: string }[]; via: string }
  | { kind: 'mx'; domain: string }
  | { kind: 'hold' }
  | { kind: 'none' };

export function routeRecipient(config: Config, address: string, sender = ''): Route {
  const domain = domainOf(address);
  if (!domain || config.local.domains.includes(domain)) return { kind: 'local', user: (address.includes('@') ? address.slice(0, address.lastIndexOf('@')) : address).toLowerCase() };
  switch (config.relay.mode) {
    case 'hold':
      return { kind: 'hold' };
    case 'none':
      return { kind: 'none' };
    case 'mx':
      return { kind: 'mx', domain };
    case 'smarthost': {
      const route = config.relay.routes.find((r) => senderMatches(r.sender, sender));
      const hosts = (route?.smarthosts ?? config.relay.smarthosts).map((h) => ({ host: h.host, port: h.port, tls: h.tls }));
      return { kind: 'smarthost', hosts, via: route ? `route ${route.sender}` : 'relay.smarthosts' };
    }
  }
}

export function describeRoute(r: Route): string {
  switch (r.kind) {
    case 'local':
      return `local delivery to mailbox ${r.user}`;
    case 'smarthost':
      return `relay via smart host ${r.hosts.map((h) => `${h.host}:${h.port} (tls ${h.tls})`).join(', then ')} [${r.via}]`;
    case 'mx':
      return `relay to the MX hosts of ${r.domain}`;
    case 'hold':
      return 'held in the queue (relay.mode: hold)';
    case 'none':
      return 'undeliverable: relay.mode is none and the address is not local';
  }
}

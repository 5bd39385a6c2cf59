// How the relay would carry a non-local recipient (smart host, MX, held),
// in words, for `sendmail -bv`. Local recipients are the LocalRouter's
// (route/router.ts); smart host choice is relay/targets.ts, the same code the
// relay uses, so what -bv says is what the relay does.
import type { Config } from '../config/load.js';
import { domainOf } from '../message/address.js';
import { smarthostsFor } from '../relay/targets.js';

export function describeRelayRoute(config: Config, address: string, sender = ''): string {
  switch (config.relay.mode) {
    case 'hold':
      return 'held in the queue (relay.mode: hold)';
    case 'none':
      return 'undeliverable: relay.mode is none and the address is not local';
    case 'mx':
      return `relay to the MX hosts of ${domainOf(address)}`;
    case 'smarthost': {
      const { targets, route } = smarthostsFor(config, sender);
      const via = route === 'default' ? 'relay.smarthosts' : `route ${route}`;
      return `relay via smart host ${targets.map((h) => `${h.host}:${h.port} (tls ${h.tls})`).join(', then ')} [${via}]`;
    }
  }
}

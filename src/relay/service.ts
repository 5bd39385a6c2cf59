// Builds the relay side of the daemon from the Config: the session pool, DNS
// resolver, OAuth2 token caches, rate limiter, and the two transports the
// queue manager calls.
import type { Config } from '../config/load.js';
import type { Logger } from '../shared/log.js';
import type { Deliverers } from '../schedule/queue-manager.js';
import { createResolver } from './mx.js';
import { OAuth2Tokens, type OAuth2Config } from './oauth2.js';
import { SessionPool } from './pool.js';
import { RateLimiter } from './rate-limit.js';
import { smarthostsFor } from './targets.js';
import { deliverViaMx, deliverViaSmarthosts } from './transport.js';

export interface RelayService extends Deliverers {
  close(): void;
}

export function createRelayService(config: Config, log: Logger): RelayService {
  const tokens = new Map<string, OAuth2Tokens>();
  const pool = new SessionPool(
    {
      hostname: config.hostname,
      timeouts: config.relay.timeouts,
      log,
      oauth: (cfg: OAuth2Config) => {
        const key = `${cfg.tokenUrl}|${cfg.clientId}|${cfg.refreshTokenFile}`;
        let t = tokens.get(key);
        if (!t) tokens.set(key, (t = new OAuth2Tokens(cfg, log)));
        return t;
      },
    },
    { maxPerKey: Math.min(config.relay.concurrency, 8), idleMs: 5000, maxUses: 1000 },
  );
  const resolver = createResolver(config.relay.mx.dns);
  const limiter = config.relay.rateLimit ? new RateLimiter(config.relay.rateLimit.messages, config.relay.rateLimit.per) : undefined;
  return {
    smarthost: (job) => deliverViaSmarthosts(pool, smarthostsFor(config, job.sender).targets, job, log, limiter),
    mx: (domain, job) => deliverViaMx(pool, resolver, domain, config.relay.mx, job, log),
    close: () => pool.closeAll(),
  };
}

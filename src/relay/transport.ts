// Delivering one message's remote recipients: to the smart hosts in order, or
// to a domain's MX hosts by preference. A connection failure or 4xx moves on to
// the next host; a 5xx fails that recipient; what is left after the last host
// is deferred with the last reason, so the queue shows why.
import type { promises as dns } from 'node:dns';
import type { RelayJob, RelayResult } from '../shared/delivery.js';
import type { Logger } from '../shared/log.js';
import { replies, replyLine, type Result } from '../shared/replies.js';
import { classifyError } from './classify.js';
import { resolveMx } from './mx.js';
import type { SessionPool } from './pool.js';
import type { RateLimiter } from './rate-limit.js';
import type { Target } from './session.js';
import type { OutRecipient } from './transaction.js';

async function tryTargets(pool: SessionPool, targets: Target[], job: RelayJob, log: Logger, limiter?: RateLimiter): Promise<RelayResult[]> {
  let remaining = job.recipients;
  const out: RelayResult[] = [];
  const last = new Map<string, RelayResult>();
  for (const t of targets) {
    if (remaining.length === 0) break;
    let session;
    try {
      session = await pool.acquire(t);
    } catch (err) {
      const f = classifyError(err);
      const where = `${t.host}${t.address && t.address !== t.host ? `[${t.address}]` : ''}:${t.port}`;
      log.debug('relay host failed', { id: job.id, relay: where, reason: replyLine(f.reply) });
      for (const r of remaining) last.set(r.address, { address: r.address, status: 'deferred', text: `${where}: ${replyLine(f.reply)}`, relay: where });
      continue;
    }
    try {
      if (limiter) await limiter.take(`${t.address ?? t.host}:${t.port}`); // per smart host, whatever its session options
      const results = await session.send({ ...job, recipients: remaining });
      const next: OutRecipient[] = [];
      for (const res of results) {
        const r = remaining.find((x) => x.address === res.address)!;
        if (res.ok) out.push({ address: res.address, status: 'delivered', ...res.reply, relay: session.relay, tls: session.tls });
        else if (!res.temporary) out.push({ address: res.address, status: 'failed', ...res.reply, relay: session.relay, tls: session.tls });
        else {
          next.push(r);
          last.set(r.address, { address: r.address, status: 'deferred', ...res.reply, relay: session.relay, tls: session.tls });
        }
      }
      remaining = next;
    } finally {
      pool.release(session);
    }
  }
  for (const r of remaining) out.push(last.get(r.address) ?? { address: r.address, status: 'deferred', text: 'no relay host could be tried' });
  return out;
}

export function deliverViaSmarthosts(pool: SessionPool, hosts: Target[], job: RelayJob, log: Logger, limiter?: RateLimiter): Promise<RelayResult[]> {
  return tryTargets(pool, hosts, job, log, limiter);
}

export interface MxPolicy {
  port: number;
  tls: 'opportunistic' | 'required' | 'none';
}

export async function deliverViaMx(pool: SessionPool, resolver: dns.Resolver, domain: string, policy: MxPolicy, job: RelayJob, log: Logger): Promise<RelayResult[]> {
  const answer = await resolveMx(resolver, domain);
  const all = (result: Result) => job.recipients.map((r): RelayResult => ({ address: r.address, ...result }));
  switch (answer.kind) {
    case 'nullmx':
      return all(replies.nullMx(domain));
    case 'nodomain':
      return all(replies.badDomain(answer.reason));
    case 'temporary':
      return all(replies.dnsTemporary(answer.reason));
  }
  // Opportunistic TLS does not verify certificates (most MX certificates would
  // fail it, as Postfix's "may" level); "required" insists on encryption.
  const tls = policy.tls === 'required' ? 'starttls' : policy.tls;
  const targets: Target[] = answer.hosts.flatMap((h) => h.addresses.map((address) => ({ host: h.name, address, port: policy.port, tls, tlsVerify: false })));
  return tryTargets(pool, targets, job, log);
}

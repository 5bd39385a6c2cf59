// Bounces without bounce storms: a DSN goes to the envelope sender, never to
// the null sender or MAILER-DAEMON, never for a bounce (a failed bounce goes
// once to postmaster, and a failure of that is logged and dropped), honours
// NOTIFY (RFC 3461), and is capped per sender per hour.
import { buildDsn, type DsnRecipient } from '../message/dsn.js';
import type { Logger } from '../shared/log.js';
import { newEnvelope, type Envelope } from '../spool/envelope.js';
import type { Publisher } from '../spool/publish.js';
import { newQueueId } from '../spool/queue-id.js';

export interface BouncePolicy {
  hostname: string;
  /** Bounces per sender per hour before further ones are only logged. */
  perSenderPerHour: number;
}

export class Bouncer {
  private counts = new Map<string, { n: number; since: number }>();

  constructor(
    private policy: BouncePolicy,
    private publisher: Publisher,
    private log: Logger,
  ) {}

  private overLimit(sender: string): boolean {
    const now = Date.now();
    const key = sender.toLowerCase();
    const c = this.counts.get(key);
    if (!c || now - c.since > 3_600_000) {
      this.counts.set(key, { n: 1, since: now });
      return false;
    }
    c.n++;
    return c.n > this.policy.perSenderPerHour;
  }

  /**
   * Sends a DSN about `recipients` of `env` (failed or delayed). Returns the new
   * message's id, or undefined when policy says no DSN.
   */
  async notify(env: Envelope, recipients: DsnRecipient[], original: Buffer): Promise<string | undefined> {
    const action = recipients[0]?.action ?? 'failed';
    const wanted = recipients.filter((r) => {
      const n = env.recipients.find((x) => x.address === r.address)?.notify;
      if (!n) return action !== 'delivered'; // default NOTIFY: FAILURE,DELAY
      if (n.includes('NEVER')) return false;
      return n.includes(action === 'failed' ? 'FAILURE' : action === 'delayed' ? 'DELAY' : 'SUCCESS');
    });
    if (wanted.length === 0) return undefined;
    let to = env.sender;
    const local = to.slice(0, to.lastIndexOf('@')).toLowerCase();
    if (env.source === 'bounce') {
      if (env.doubleBounce) {
        this.log.event(env.id, 'dropped', { reason: 'undeliverable bounce to postmaster', to: wanted.map((r) => r.address).join(',') });
        return undefined;
      }
      to = `postmaster@${this.policy.hostname}`;
    } else if (to === '' || local === 'mailer-daemon') {
      this.log.event(env.id, 'bounce-suppressed', { reason: to === '' ? 'null sender' : 'sender is MAILER-DAEMON' });
      return undefined;
    } else if (action === 'failed' && this.overLimit(to)) {
      this.log.event(env.id, 'bounce-suppressed', { reason: `more than ${this.policy.perSenderPerHour} bounces per hour to this sender`, to: `<${to}>` });
      return undefined;
    }
    const id = newQueueId();
    const content = buildDsn({
      hostname: this.policy.hostname,
      queueId: env.id,
      messageId: id,
      to,
      arrival: new Date(env.createdAt),
      envid: env.dsn.envid,
      recipients: wanted,
      original,
      returnFull: env.dsn.ret === 'FULL' && env.source !== 'bounce',
    });
    const bounce = newEnvelope(id, { sender: '', recipients: [{ address: to }], dsn: {}, body: '8BITMIME', smtputf8: false, createdAt: new Date().toISOString() }, { uid: null, user: null, source: 'bounce', size: content.length });
    if (env.source === 'bounce') bounce.doubleBounce = true;
    await this.publisher.publish(bounce, content);
    this.log.event(env.id, action === 'delayed' ? 'delay-warning' : 'bounced', { to: `<${to}>`, dsn: id, nrcpt: wanted.length });
    return id;
  }
}

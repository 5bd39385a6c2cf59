// Local alias expansion in the queue: a local recipient becomes its final
// destinations (mailboxes, |commands, /files, remote addresses), each its own
// recipient with the original as `parent`, so each one's result is kept and
// a retry never repeats a delivered one. Runs once per message (`expanded`).
import type { LocalRouter } from '../route/destination.js';
import { replies, replyLine, type Result } from '../shared/replies.js';
import type { Envelope, Recipient } from '../spool/envelope.js';

/**
 * Replaces `env.recipients` by their expansion (duplicates dropped); `hostname`
 * names local mailboxes. Returns the unknown names, failed at once, with their reply.
 */
export function expandLocal(env: Envelope, router: LocalRouter, hostname: string): Map<Recipient, Result> {
  const out: Recipient[] = [];
  const unknown = new Map<Recipient, Result>();
  const seen = new Set<string>();
  const add = (r: Recipient): boolean => {
    const k = `${r.address.toLowerCase()}|${JSON.stringify(r.dest ?? null)}`;
    if (seen.has(k)) return false;
    out.push(r), seen.add(k);
    return true;
  };
  for (const r of env.recipients) {
    if (r.dest || r.parent || (r.status !== 'pending' && r.status !== 'deferred') || !router.isLocal(r.address)) {
      add(r);
      continue;
    }
    for (const dest of router.resolve(r.address)) {
      const base = { status: 'pending' as const, attempts: 0, lastError: null, parent: r.address, ...(r.notify ? { notify: r.notify } : {}), orcpt: r.orcpt ?? `rfc822;${r.address}` };
      if (dest.kind === 'remote') add({ ...base, address: dest.address });
      else if (dest.kind === 'unknown') {
        const reply = replies.userUnknown(dest.address, dest.reason);
        const failed: Recipient = { ...base, address: dest.address, status: 'failed', lastError: replyLine(reply), lastStatus: reply.enhanced! };
        if (add(failed)) unknown.set(failed, reply);
      }
      else if (dest.kind === 'mailbox') add({ ...base, address: `${dest.user}@${hostname}`, dest });
      else add({ ...base, address: r.address, dest });
    }
  }
  env.recipients = out;
  env.expanded = true;
  return unknown;
}

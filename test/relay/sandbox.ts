// The relay tests' sandbox: their config has no default relay block.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { queuedIds, sandboxWith, type Sandbox } from '../helpers/env.js';

export function relaySandbox(yaml: (dir: string) => string): Sandbox {
  return sandboxWith(yaml, { prefix: 'mailroom-relay-' });
}

/** Ids of messages in a queue state directory. */
export function idsIn(sb: Sandbox, state: 'incoming' | 'deferred' | 'hold'): string[] {
  const d = join(sb.spool, state);
  return existsSync(d) ? readdirSync(d).filter((n) => n.endsWith('.env')).map((n) => n.slice(0, -4)) : [];
}

export function queueSize(sb: Sandbox): number {
  return queuedIds(sb).length;
}

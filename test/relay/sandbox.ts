// A sandbox whose config the relay tests write in full (no default relay block).
import { mkdtempSync, rmSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '../helpers/env.js';

export function relaySandbox(yaml: (dir: string) => string): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-relay-'));
  const config = join(dir, 'mailroom.yaml');
  writeFileSync(config, `hostname: test.example\nspool: ${dir}/spool\nsocket: ${dir}/run/submit.sock\n${yaml(dir)}`);
  return {
    dir,
    config,
    spool: join(dir, 'spool'),
    socket: join(dir, 'run/submit.sock'),
    control: join(dir, 'run/control.sock'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Ids of messages in a queue state directory. */
export function idsIn(sb: Sandbox, state: 'incoming' | 'deferred' | 'hold'): string[] {
  const d = join(sb.spool, state);
  return existsSync(d) ? readdirSync(d).filter((n) => n.endsWith('.env')).map((n) => n.slice(0, -4)) : [];
}

export function queueSize(sb: Sandbox): number {
  return idsIn(sb, 'incoming').length + idsIn(sb, 'deferred').length + idsIn(sb, 'hold').length;
}

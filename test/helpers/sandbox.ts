// Test sandboxes: a fresh temp dir per test with its own config, spool and
// sockets, and which of them have a daemon (shared with daemon.ts and
// spool.ts, which read it to know which path a submission took).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/...). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = join(ROOT, 'bin');

export interface Sandbox {
  dir: string;
  config: string;
  spool: string;
  socket: string;
  control: string;
  cleanup(): void;
}

/** Sandboxes that sendmail() gave a daemon for the front end (not the test's own). */
export const autoDaemons = new Set<string>();
/** Sandboxes that have had a daemon, or whose test runs its own. */
export const daemonOwners = new Set<string>();

/** A temp dir with a config (YAML) whose spool and sockets live inside it. */
export function sandbox(extraYaml = '', opts: { worldReadable?: boolean; ownDaemon?: boolean } = {}): Sandbox {
  const sb = sandboxWith(() => `relay:\n  mode: hold\n${extraYaml}`, { ...opts, prefix: 'mailroom-test-' });
  // The test starts (or on purpose does not start) the daemon itself.
  if (opts.ownDaemon) daemonOwners.add(sb.dir);
  return sb;
}

/**
 * A sandbox whose config is hostname, spool and socket inside the temp dir
 * followed by `yaml(dir)` (the caller writes every other key).
 */
export function sandboxWith(yaml: (dir: string) => string, opts: { worldReadable?: boolean; prefix?: string } = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), opts.prefix ?? 'mailroom-test-'));
  if (opts.worldReadable) chmodSync(dir, 0o755);
  const config = join(dir, 'mailroom.yaml');
  writeFileSync(config, `hostname: test.example\nspool: ${dir}/spool\nsocket: ${dir}/run/submit.sock\n${yaml(dir)}`);
  return {
    dir,
    config,
    spool: join(dir, 'spool'),
    socket: join(dir, 'run/submit.sock'),
    control: join(dir, 'run/control.sock'),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for peers started on a chosen port). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

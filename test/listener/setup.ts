// The listener tests' world: a sandbox whose daemon listens on several
// loopback ports (one per `listen` entry), a self-signed certificate made by
// openssl, a users file with alice (and her extra sender addresses), and local
// mail kept in the queue (an LMTP server that is not there) so a test can
// read what was accepted.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, queuedIds, readQueued, sandbox, startDaemon, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { makeCert, writeUsersFile } from '../mailbox/fixture.js';

export interface World {
  sb: Sandbox;
  daemon: DaemonProc;
  ca: Buffer;
  /** Port of each listen entry, by the name the test gave it. */
  port: Record<string, number>;
  stop(): Promise<void>;
}

export const PASSWORD = 'correct horse';

/** `entries`: name -> the YAML flow mapping of a listen entry without its address (all listen on 127.0.0.1). */
export async function startWorld(entries: Record<string, string>): Promise<World> {
  const sb = sandbox('', { ownDaemon: true });
  const cert = makeCert(sb.dir);
  const users = join(sb.dir, 'users');
  await writeUsersFile(users, { alice: PASSWORD, bob: 'bob password' });
  // alice's third field: one more address, and every address at brand.example.
  const text = readFileSync(users, 'utf8').replace(/^(alice:[^\n]*)$/m, '$1:alias@other.example,*@brand.example');
  writeFileSync(users, text, { mode: 0o600 });
  const port: Record<string, number> = {};
  const listen: string[] = [];
  for (const [name, rest] of Object.entries(entries)) {
    port[name] = await freePort();
    listen.push(`  - { address: "127.0.0.1:${port[name]}", ${rest} }`);
  }
  appendFileSync(
    sb.config,
    `users: ${users}\ntls: { cert: ${cert.cert}, key: ${cert.key} }\nlocal:\n  domains: [test.example]\n  lmtp: unix:${sb.dir}/no-lmtp.sock\nlisten:\n${listen.join('\n')}\n`,
  );
  const daemon = await startDaemon(sb);
  return {
    sb,
    daemon,
    ca: readFileSync(cert.cert),
    port,
    stop: async () => {
      await daemon.stop();
      sb.cleanup();
    },
  };
}

/** The queued message of a "250 ... queued as ID" reply: its envelope and content, in whatever queue state. */
export function queuedOf(w: World, reply: string): { env: any; eml: string } {
  const id = /queued as ([0-9A-Z]+)/.exec(reply)?.[1];
  if (!id) throw new Error(`no queue id in ${JSON.stringify(reply)}`);
  const q = readQueued(w.sb, id);
  if (!q) throw new Error(`${id} is not in the queue (ids: ${queuedIds(w.sb).join(' ')})`);
  return { env: q.env, eml: q.eml.toString('utf8') };
}

export const msg = (subject: string, from = 'alice@test.example', to = 'friend@remote.example') =>
  [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, '', 'hello over the network'].join('\r\n');

// An IMAP server on loopback over a temporary Maildir tree and users file,
// with a fast login throttle, for the IMAP tests.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startImapServer, type ImapOptions, type ImapServer } from '../../src/imap/server.js';
import { createLogger } from '../../src/shared/log.js';
import { LoginThrottle } from '../../src/users/throttle.js';
import { writeUsersFile } from '../mailbox/fixture.js';

export interface TestImap {
  dir: string;
  mail: string;
  server: ImapServer;
  port: number;
  stop(): Promise<void>;
}

export const USERS = { alice: 'pw1', bob: 'pw2' };

export async function startTestImap(opts: Partial<ImapOptions> = {}, prepare?: (dir: string) => void | Promise<void>): Promise<TestImap> {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-imap-'));
  await writeUsersFile(join(dir, 'users'), USERS);
  mkdirSync(join(dir, 'mail')); // local.mailboxes exists on a configured system
  await prepare?.(dir);
  const server = await startImapServer({
    listen: '127.0.0.1:0',
    tls: 'none',
    usersFile: join(dir, 'users'),
    mailboxes: join(dir, 'mail'),
    hostname: 'test.example',
    log: createLogger('error'),
    maxMessageSize: 1024 * 1024,
    throttle: new LoginThrottle({ baseDelayMs: 20, maxDelayMs: 80, maxFailures: 5, windowMs: 60_000 }),
    ...opts,
  });
  return {
    dir,
    mail: join(dir, 'mail'),
    server,
    port: (server.address ?? server.tlsAddress)!.port,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

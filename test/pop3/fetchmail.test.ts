// Debian's fetchmail fetches a whole mailbox from our POP3 server into an MDA
// script, then deletes it on the server (DELE + QUIT).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startPop3Server, type Pop3Server } from '../../src/pop3/server.js';
import { createLogger } from '../../src/shared/log.js';
import { run } from '../helpers/env.js';
import { message, writeMaildir, writeUsersFile } from '../mailbox/fixture.js';

let dir: string;
let server: Pop3Server;
const msgs = [message('one', ['first body']), message('two', ['.dot line', 'second body']), message('three', Array.from({ length: 3000 }, (_, i) => `line ${i}`))];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-fetchmail-'));
  await writeUsersFile(join(dir, 'users'), { alice: 'fetch pw' });
  writeMaildir(join(dir, 'mail'), 'alice', msgs.map((content) => ({ content })));
  server = await startPop3Server({ listen: '127.0.0.1:0', tls: 'none', usersFile: join(dir, 'users'), mailboxes: join(dir, 'mail'), hostname: 'test.example', log: createLogger('error') });
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('fetchmail fetches every message into an MDA and deletes them', { skip: !existsSync('/usr/bin/fetchmail') && 'fetchmail is not installed' }, async () => {
  const out = join(dir, 'out');
  mkdirSync(out);
  const mda = join(dir, 'mda.sh');
  writeFileSync(mda, `#!/bin/sh\ncat > "${out}/msg.$$"\n`, { mode: 0o755 });
  const rc = join(dir, 'fetchmailrc');
  writeFileSync(rc, `set no bouncemail\npoll 127.0.0.1 with proto POP3 port ${server.address!.port}\n  user "alice" there with password "fetch pw" is "root" here\n  options fetchall no keep\n  mda "${mda}"\n`, { mode: 0o600 });
  const r = await run('fetchmail', ['-f', rc, '--nodetach', '--sslproto', '', '--nosslcertck', '-v'], '', { env: { HOME: dir, FETCHMAILHOME: dir }, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const got = readdirSync(out).map((n) => readFileSync(join(out, n), 'utf8'));
  assert.equal(got.length, 3);
  for (const m of msgs) {
    const subject = /Subject: (\w+)/.exec(m)![1];
    const fetched = got.find((g) => g.includes(`Subject: ${subject}\n`));
    assert.ok(fetched, `message ${subject} fetched`);
    // fetchmail adds its Received header and hands the MDA LF line endings.
    assert.ok(fetched.endsWith(m.replace(/\r\n/g, '\n').slice(m.indexOf('From:'))), `message ${subject} intact`);
  }
  assert.deepEqual([...readdirSync(join(dir, 'mail/alice/new')), ...readdirSync(join(dir, 'mail/alice/cur'))], []);
});

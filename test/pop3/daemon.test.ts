// The daemon serves POP3 when pop3.listen is set; UIDLs survive a restart.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sandbox, startDaemon, type Sandbox, freePort } from '../helpers/env.js';
import { message, writeMaildir, writeUsersFile } from '../mailbox/fixture.js';
import { python } from './py.js';

let sb: Sandbox;
let port: number;


before(async () => {
  port = await freePort();
  sb = sandbox(`users: USERS\nlocal:\n  mailboxes: MAIL\npop3:\n  listen: 127.0.0.1:${port}\n  tls: none\n`);
  // The sandbox picks its dir; point the keys into it.
  const { readFileSync, writeFileSync } = await import('node:fs');
  writeFileSync(sb.config, readFileSync(sb.config, 'utf8').replace('USERS', join(sb.dir, 'users')).replace('MAIL', join(sb.dir, 'mail')));
  await writeUsersFile(join(sb.dir, 'users'), { ops: 'opspw' });
  writeMaildir(join(sb.dir, 'mail'), 'ops', [message('alert 1', ['disk full']), message('alert 2', ['disk ok'])].map((content) => ({ content })));
});

after(() => sb?.cleanup());

const uidls = `import poplib, json, os\np = poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=20)\np.user('ops')\np.pass_('opspw')\nu = [l.decode() for l in p.uidl()[1]]\nt = b'\\n'.join(p.top(2, 0)[1]).decode()\np.quit()\nprint(json.dumps([u, t]))`;

it('serves POP3 from the daemon; UIDLs are the same after a restart', async () => {
  let d = await startDaemon(sb);
  let first: [string[], string];
  try {
    first = await python(uidls, { PORT: String(port) });
  } finally {
    assert.equal(await d.stop(), 0);
  }
  assert.equal(first[0].length, 2);
  assert.match(first[1], /Subject: alert 2/);
  d = await startDaemon(sb);
  try {
    const second = await python(uidls, { PORT: String(port) });
    assert.deepEqual(second[0], first[0]);
  } finally {
    await d.stop();
  }
});

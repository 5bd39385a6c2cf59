// IDLE (RFC 2177): a message delivered into new/ while a client idles is
// pushed as EXISTS without the client asking; DONE ends the IDLE. Also the
// announce after NOOP, CLOSE's silent expunge and UNSELECT.
import assert from 'node:assert/strict';
import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addMessage, message, writeMaildir } from '../mailbox/fixture.js';
import { RawImap } from './raw-client.js';
import { startTestImap, type TestImap } from './fixture.js';

let t: TestImap;
before(async () => {
  t = await startTestImap({}, (dir) => void writeMaildir(join(dir, 'mail'), 'alice', [{ content: message('first', ['1']) }]));
});
after(() => t?.stop());

async function selected(): Promise<RawImap> {
  const { client } = await RawImap.open(t.port);
  await client.cmd('L', 'LOGIN alice pw1');
  const sel = await client.cmd('S', 'SELECT INBOX');
  assert.match(sel.pop()!, /^S OK \[READ-WRITE\]/);
  return client;
}

describe('IMAP IDLE and announcements', () => {
  it('pushes EXISTS for a delivery while idling, then DONE', async () => {
    const c = await selected();
    const before = (await c.cmd('n', 'NOOP')).length;
    assert.equal(before, 1);
    c.write('i IDLE\r\n');
    assert.equal(await c.line(), '+ idling');
    addMessage(join(t.mail, 'alice'), { content: message('second', ['2']) });
    // Bounded by the client's 15 s read timeout; the store's watch fires well within it.
    let line = await c.line();
    while (!/EXISTS$/.test(line)) line = await c.line();
    assert.equal(line, '* 2 EXISTS');
    c.write('DONE\r\n');
    let done = await c.line();
    while (!done.startsWith('i ')) done = await c.line();
    assert.equal(done, 'i OK IDLE terminated');
    c.close();
  });

  it('NOOP announces other sessions changes; flags changed on disk come as FETCH', async () => {
    const a = await selected();
    const b = await selected();
    addMessage(join(t.mail, 'alice'), { content: message('third', ['3']) });
    const seen = await a.cmd('n1', 'NOOP');
    assert.ok(seen.includes('* 3 EXISTS'), seen.join('\n'));
    // Another client (mutt, POP3) marks the first message seen by renaming it.
    const cur = join(t.mail, 'alice', 'cur');
    const name = readdirSync(cur).sort()[0]!;
    renameSync(join(cur, name), join(cur, name.replace(/:2,.*$/, '') + ':2,S'));
    const flags = await b.cmd('n2', 'NOOP');
    assert.ok(flags.some((l) => /^\* 1 FETCH \(FLAGS \(\\Seen( \\Recent)?\)\)$/.test(l)), flags.join('\n'));
    a.close();
    b.close();
  });

  it('UNSELECT and CLOSE leave SELECTED state', async () => {
    const c = await selected();
    assert.equal((await c.cmd('u', 'UNSELECT')).pop(), 'u OK UNSELECT completed');
    assert.match((await c.cmd('f', 'FETCH 1 FLAGS')).pop()!, /^f BAD/);
    await c.cmd('e', 'EXAMINE INBOX');
    assert.equal((await c.cmd('c', 'CLOSE')).pop(), 'c OK CLOSE completed');
    assert.match((await c.cmd('x', 'CHECK')).pop()!, /^x BAD/);
    c.close();
  });
});

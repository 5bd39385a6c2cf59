// Mailbox commands against the real folder store, driven by Python imaplib:
// SELECT/EXAMINE responses, CREATE/RENAME/DELETE/LIST/LSUB/SUBSCRIBE/STATUS
// with modified UTF-7 names ("Entwürfe" is "Entw&APw-rfe" on the wire and
// `.Entw&APw-rfe` on disk), special-use attributes, and names that try to
// leave the user's Maildir.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { message, writeMaildir } from '../mailbox/fixture.js';
import { IMAPLIB, python } from './py.js';
import { RawImap } from './raw-client.js';
import { startTestImap, type TestImap } from './fixture.js';

let t: TestImap;
before(async () => {
  t = await startTestImap({}, (dir) => {
    writeMaildir(join(dir, 'mail'), 'alice', [
      { content: message('one', ['first']), folder: 'cur', flags: 'S' },
      { content: message('two', ['second']) },
      { content: message('three', ['third']), folder: 'cur', flags: 'F' },
    ]);
  });
});
after(() => t?.stop());

const py = (body: string) => python(IMAPLIB + `M.login('alice', 'pw1')\n` + body, { PORT: String(t.port) });

describe('IMAP mailboxes (imaplib)', () => {
  it('SELECT and EXAMINE report the mailbox', async () => {
    const out = await py(
      `typ, n = M.select('INBOX')\nr = {k: s(M.response(k)[1]) for k in ['FLAGS', 'PERMANENTFLAGS', 'RECENT', 'UNSEEN', 'UIDVALIDITY', 'UIDNEXT', 'HIGHESTMODSEQ', 'READ-WRITE']}\n` +
        `typ2, n2 = M.select('INBOX', readonly=True)\nro = s(M.response('READ-ONLY')[1])\nM.logout()\nprint(json.dumps([typ, s(n), r, typ2, s(n2), ro]))`,
    );
    const [typ, n, r, typ2, n2, ro] = out;
    assert.equal(typ, 'OK');
    assert.deepEqual(n, ['3']);
    assert.match(r.FLAGS[0], /\\Answered.*\\Seen/);
    assert.match(r.PERMANENTFLAGS[0], /\\\*/);
    assert.deepEqual(r.RECENT, ['3']); // the first session of a new index claims every message (as Dovecot)
    assert.deepEqual(r.UNSEEN, ['2']);
    assert.match(r.UIDVALIDITY[0], /^\d+$/);
    assert.deepEqual(r.UIDNEXT, ['4']);
    assert.match(r.HIGHESTMODSEQ[0], /^\d+$/);
    assert.deepEqual(r['READ-WRITE'], ['']);
    assert.equal(typ2, 'OK');
    assert.deepEqual(n2, ['3']);
    assert.deepEqual(ro, ['']);
  });

  it('LIST shows INBOX and the special-use folders; CREATE/RENAME/DELETE with modified UTF-7', async () => {
    const out = await py(
      `a = s(M.list()[1])\n` +
        `c = M.create('Entw&APw-rfe')[0]\nc2 = M.create('Entw&APw-rfe')\nsub = M.create('Projekte.2026')[0]\n` +
        `b = s(M.list('""', '*')[1])\npct = s(M.list('""', '%')[1])\n` +
        `st = s(M.status('Entw&APw-rfe', '(MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT HIGHESTMODSEQ)')[1])\n` +
        `r = M.rename('Entw&APw-rfe', '"Alte Entw&APw-rfe"')[0]\nafter = s(M.list('""', 'Alte*')[1])\n` +
        `d = M.delete('"Alte Entw&APw-rfe"')[0]\ngone = s(M.list('""', 'Alte*')[1])\n` +
        `dp = s(M.delete('Projekte'))\nlst = s(M.list('""', 'Projekte*')[1])\n` +
        `M.logout()\nprint(json.dumps([a, c, s(c2), sub, b, pct, st, r, after, d, gone, dp, lst]))`,
    );
    const [a, c, c2, sub, b, pct, st, r, afterRename, d, gone, dp, lst] = out;
    assert.ok(a.some((l: string) => /\(\\HasNoChildren\) "\." INBOX$/.test(l)), a.join('\n'));
    assert.ok(a.some((l: string) => /\\Sent\) "\." Sent$/.test(l) || /\\Sent.*"\." Sent$/.test(l)), a.join('\n'));
    assert.ok(a.some((l: string) => /\\Trash/.test(l)));
    assert.equal(c, 'OK');
    assert.equal(c2[0], 'NO');
    assert.match(c2[1][0], /ALREADYEXISTS/);
    assert.equal(sub, 'OK');
    assert.ok(b.some((l: string) => l.endsWith(' Entw&APw-rfe')));
    assert.ok(b.some((l: string) => /\\HasChildren.*Projekte$/.test(l)));
    assert.ok(b.some((l: string) => l.endsWith(' Projekte.2026')));
    assert.ok(!pct.some((l: string) => l.endsWith('Projekte.2026')));
    assert.match(st[0], /^Entw&APw-rfe \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0 RECENT 0 HIGHESTMODSEQ \d+\)$/);
    assert.ok(existsSync(join(t.mail, 'alice', '.Projekte.2026')));
    assert.equal(r, 'OK');
    assert.deepEqual(afterRename.map((l: string) => l.replace(/^.*"\." /, '')), ['"Alte Entw&APw-rfe"']);
    assert.equal(d, 'OK');
    assert.deepEqual(gone, [null]);
    assert.ok(dp[0] === 'OK' || dp[0] === 'NO');
    assert.ok(lst.some((l: string) => l.endsWith(' Projekte.2026')));
  });

  it('SUBSCRIBE, UNSUBSCRIBE, LSUB and LIST RETURN (SUBSCRIBED)', async () => {
    const out = await py(
      `M.create('Listen')\nsu = M.subscribe('Listen')[0]\nl1 = s(M.lsub('""', '*')[1])\n` +
        `ret = s(M._simple_command('LIST', '""', '"Listen"', 'RETURN', '(SUBSCRIBED)') and M._untagged_response('OK', [None], 'LIST')[1])\n` +
        `un = M.unsubscribe('Listen')[0]\nl2 = s(M.lsub('""', '*')[1])\nM.logout()\nprint(json.dumps([su, l1, ret, un, l2]))`,
    );
    const [su, l1, ret, un, l2] = out;
    assert.equal(su, 'OK');
    assert.ok(l1.some((l: string) => l.endsWith(' Listen')));
    assert.ok(ret.some((l: string) => /\\Subscribed.*Listen$/.test(l)), ret.join('\n'));
    assert.equal(un, 'OK');
    assert.ok(!l2.some((l: string) => l?.endsWith(' Listen')));
  });

  it('refuses names that would leave the Maildir', async () => {
    const { client } = await RawImap.open(t.port);
    await client.cmd('L', 'LOGIN alice pw1');
    for (const name of ['"../bob"', '"a/b"', '"..x"', '".hidden"', 'foo..bar', '"\\\\evil"', '"~root"']) {
      const r = (await client.cmd('c', `CREATE ${name}`)).pop()!;
      assert.match(r, /^c (NO|BAD)/, `CREATE ${name}: ${r}`);
      const s = (await client.cmd('s', `SELECT ${name}`)).pop()!;
      assert.match(s, /^s (NO|BAD)/, `SELECT ${name}: ${s}`);
    }
    assert.match((await client.cmd('r', 'RENAME INBOX "../../x"')).pop()!, /^r NO/);
    assert.ok(!existsSync(join(t.mail, 'bob')) && !existsSync(join(t.dir, 'x')));
    assert.match((await client.cmd('n', 'SELECT nosuch')).pop()!, /^n NO \[NONEXISTENT\]/);
    client.close();
  });
});

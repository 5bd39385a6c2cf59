// The IMAP folder store over real Maildir++ directories: folders and names
// (path traversal refused), special-use folders and subscriptions, UIDs that
// survive restarts and renames by other readers, a lost index, flags and
// keywords in file names, APPEND/COPY/MOVE/EXPUNGE, \Recent, watch, reads.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openUserStore } from '../../src/mailbox/folder-store.js';
import { openMailbox } from '../../src/mailbox/maildir.js';
import { addMessage, message, writeMaildir } from './fixture.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-folders-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  );

describe('folders', () => {
  it('makes the special-use folders at the first open, subscribed, in Dovecot\'s subscriptions format', async () => {
    const store = openUserStore(dir, 'alice', { specialUse: true });
    const list = await store.list();
    assert.deepEqual(
      list.map((f) => [f.name, f.specialUse, f.subscribed, f.noselect, f.hasChildren]),
      [
        ['INBOX', undefined, false, false, false],
        ['Drafts', '\\Drafts', true, false, false],
        ['Junk', '\\Junk', true, false, false],
        ['Sent', '\\Sent', true, false, false],
        ['Trash', '\\Trash', true, false, false],
      ],
    );
    for (const f of ['.Sent', '.Drafts', '.Trash', '.Junk']) {
      assert.deepEqual(readdirSync(join(dir, 'alice', f)).sort(), ['cur', 'maildirfolder', 'mailroom-uidlist', 'new', 'tmp']);
    }
    assert.equal(readFileSync(join(dir, 'alice/subscriptions'), 'utf8'), 'V\t2\n\nSent\nDrafts\nTrash\nJunk\n');
    // Deleted by the user: not made again by a later open.
    await store.delete('Junk');
    assert.ok(!(await openUserStore(dir, 'alice', { specialUse: true }).list()).some((f) => f.name === 'Junk'));
  });

  it('creates, lists (\\Noselect parents, children), renames with children, deletes; names in modified UTF-7 on disk', async () => {
    const store = openUserStore(dir, 'bob');
    await store.create('Archive.2026.Q1');
    await store.create('Entwürfe');
    await store.create('inbox.sub');
    await store.subscribe('Archive.2026.Q1', true);
    assert.equal(await codeOf(store.create('Entwürfe')), 'MAILBOX_EXISTS');
    assert.equal(await codeOf(store.create('INBOX')), 'MAILBOX_EXISTS');
    assert.ok(existsSync(join(dir, 'bob/.Entw&APw-rfe/maildirfolder')));
    assert.ok(existsSync(join(dir, 'bob/.INBOX.sub/cur')));
    const byName = new Map((await store.list()).map((f) => [f.name, f]));
    assert.deepEqual([...byName.keys()], ['INBOX', 'Archive', 'Archive.2026', 'Archive.2026.Q1', 'Entwürfe', 'INBOX.sub']);
    assert.equal(byName.get('Archive')!.noselect, true);
    assert.equal(byName.get('Archive')!.hasChildren, true);
    assert.equal(byName.get('INBOX')!.hasChildren, true);
    assert.equal(byName.get('Archive.2026.Q1')!.subscribed, true);
    assert.equal(await codeOf(store.open('Archive')), 'MAILBOX_NOT_FOUND');
    assert.equal(await codeOf(store.delete('Archive')), 'MAILBOX_HAS_CHILDREN');

    await store.create('Archive');
    await store.rename('Archive', 'Old');
    assert.deepEqual(
      (await store.list()).map((f) => f.name),
      ['INBOX', 'Entwürfe', 'INBOX.sub', 'Old', 'Old.2026', 'Old.2026.Q1'],
    );
    assert.equal((await store.list()).find((f) => f.name === 'Old.2026.Q1')!.subscribed, true);
    assert.equal(await codeOf(store.rename('Old', 'Old.x')), 'MAILBOX_NAME_INVALID');
    assert.equal(await codeOf(store.rename('Old', 'Entwürfe')), 'MAILBOX_EXISTS');
    await store.delete('Old');
    const after = new Map((await store.list()).map((f) => [f.name, f]));
    assert.equal(after.get('Old')!.noselect, true);
    assert.ok(after.has('Old.2026.Q1'));
    assert.equal(await codeOf(store.delete('INBOX')), 'MAILBOX_NAME_INVALID');
    assert.equal(await codeOf(store.delete('Nope')), 'MAILBOX_NOT_FOUND');
    assert.deepEqual(readdirSync(join(dir, 'bob')).filter((n) => n.startsWith('..')), []);
  });

  it('refuses names that could leave the Maildir or be ambiguous', async () => {
    const store = openUserStore(dir, 'carol');
    const bad = ['', '..', '../bob', 'a/b', 'a..b', '.hidden', 'trailing..', 'a\x00b', 'tab\there', 'a\\b', '*', 'a%', 'x'.repeat(300), '\uD800x'];
    for (const name of bad) {
      assert.equal(await codeOf(store.create(name)), 'MAILBOX_NAME_INVALID', JSON.stringify(name));
      assert.equal(await codeOf(store.open(name)), 'MAILBOX_NAME_INVALID', JSON.stringify(name));
    }
    assert.equal(await codeOf(store.rename('INBOX', '../../etc')), 'MAILBOX_NAME_INVALID');
    assert.throws(() => openUserStore(dir, '../bob'), { code: 'MAILBOX_NAME_INVALID' });
    assert.throws(() => openUserStore(dir, '.x'), { code: 'MAILBOX_NAME_INVALID' });
    // Nothing was made outside carol's Maildir.
    assert.deepEqual(readdirSync(dir).sort(), ['alice', 'bob', 'carol']);
    assert.deepEqual(readdirSync(join(dir, 'carol')).filter((n) => n.startsWith('.')), []);
  });
});

describe('UIDs and flags', () => {
  it('assigns UIDs in delivery order and keeps them across restarts and renames by mutt or POP3', async () => {
    const bases = writeMaildir(dir, 'dave', [
      { content: message('one', ['1']) },
      { content: message('two', ['2']), folder: 'cur', flags: 'S' },
      { content: 'Subject: three\n\nlf only\n', noSize: true },
    ]);
    let store = openUserStore(dir, 'dave');
    let inbox = await store.open('INBOX');
    const first = inbox.current();
    assert.deepEqual(
      first.messages.map((m) => [m.uid, m.base, m.flags]),
      [
        [1, bases[0], []],
        [2, bases[1], ['\\Seen']],
        [3, bases[2], []],
      ],
    );
    assert.equal(first.messages[2]!.size, 'Subject: three\r\n\r\nlf only\r\n'.length);
    const validity = first.uidValidity;
    inbox.release();

    // mutt marks the first flagged, POP3 marks the third seen (moving it to cur/).
    renameSync(join(dir, 'dave/new', bases[0]!), join(dir, 'dave/cur', `${bases[0]}:2,F`));
    const pop = openMailbox(dir, 'dave');
    const third = (await pop.list()).find((e) => e.base === bases[2])!;
    assert.ok(await pop.setFlags(third, 'S'));
    const newer = addMessage(join(dir, 'dave'), { content: message('four', ['4']) });

    store = openUserStore(dir, 'dave'); // a "restart": the folder is read again from disk
    inbox = await store.open('INBOX');
    const s = inbox.current();
    assert.equal(s.uidValidity, validity);
    assert.deepEqual(
      s.messages.map((m) => [m.uid, m.base, m.flags]),
      [
        [1, bases[0], ['\\Flagged']],
        [2, bases[1], ['\\Seen']],
        [3, bases[2], ['\\Seen']],
        [4, newer, []],
      ],
    );
    assert.ok(s.messages[0]!.modseq > first.messages[0]!.modseq);
    assert.equal(s.messages[1]!.modseq, first.messages[1]!.modseq);
    assert.ok(s.highestModseq >= s.messages[0]!.modseq);

    // Seen by a session in sync: a hand rename is a flag change with a new modseq.
    renameSync(join(dir, 'dave/cur', `${bases[1]}:2,S`), join(dir, 'dave/cur', `${bases[1]}:2,RS`));
    const ch = await inbox.sync();
    assert.deepEqual(ch.flagsChanged, [2]);
    assert.deepEqual(ch.snapshot.messages[1]!.flags, ['\\Answered', '\\Seen']);
    assert.ok(ch.snapshot.messages[1]!.modseq > s.highestModseq);
    assert.equal(ch.snapshot.highestModseq, ch.snapshot.messages[1]!.modseq);
    // Removed by POP3: expunged.
    unlinkSync(join(dir, 'dave/new', newer));
    const gone = await inbox.sync();
    assert.deepEqual(gone.expunged, [4]);
    assert.equal(gone.snapshot.uidNext, 5);
    inbox.release();
  });

  it('rebuilds a lost or damaged index with a new UIDVALIDITY, UIDs in delivery order', async () => {
    const bases = writeMaildir(dir, 'erin', [{ content: message('a', ['1']) }, { content: message('b', ['2']) }]);
    const store = openUserStore(dir, 'erin');
    let inbox = await store.open('INBOX');
    const v1 = inbox.current().uidValidity;
    inbox.release();
    unlinkSync(join(dir, 'erin/mailroom-uidlist'));
    inbox = await store.open('INBOX');
    const v2 = inbox.current().uidValidity;
    assert.ok(v2 > v1);
    assert.deepEqual(inbox.current().messages.map((m) => [m.uid, m.base]), [
      [1, bases[0]],
      [2, bases[1]],
    ]);
    inbox.release();
    writeFileSync(join(dir, 'erin/mailroom-uidlist'), 'garbage\n');
    inbox = await store.open('INBOX');
    assert.ok(inbox.current().uidValidity > v2);
    assert.equal(inbox.current().messages.length, 2);
    inbox.release();
  });

  it('ignores a torn last line of the index (a crash mid-write) and cuts it off at the next change', async () => {
    writeMaildir(dir, 'eve', [{ content: message('a', ['1']) }]);
    const store = openUserStore(dir, 'eve');
    let inbox = await store.open('INBOX');
    const validity = inbox.current().uidValidity;
    inbox.release();
    const file = join(dir, 'eve/mailroom-uidlist');
    writeFileSync(file, readFileSync(file, 'utf8') + '+2 7 10 1700000000000 n half-writ');
    inbox = await store.open('INBOX');
    assert.equal(inbox.current().uidValidity, validity);
    assert.deepEqual(inbox.current().messages.map((m) => m.uid), [1]);
    assert.equal(await inbox.append(Buffer.from('Subject: b\r\n\r\n'), []), 2);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes('half-writ') && text.endsWith('\n'), text);
    inbox.release();
  });

  it('stores flags and keywords as Maildir letters with the dovecot-keywords file; UNCHANGEDSINCE conflicts', async () => {
    const [base] = writeMaildir(dir, 'fay', [{ content: message('a', ['1']) }, { content: message('b', ['2']), folder: 'cur', flags: 'P' }]);
    const inbox = await openUserStore(dir, 'fay').open('INBOX');
    const before = inbox.current();
    const r = await inbox.store([1, 2], 'add', ['\\seen', '$Forwarded', 'Junk', '\\Recent']);
    assert.deepEqual(r.conflicts, []);
    assert.deepEqual(
      r.changed.map((m) => [m.uid, m.flags]),
      [
        [1, ['\\Seen', '$Forwarded', 'Junk']],
        [2, ['\\Seen', '$Forwarded', 'Junk']],
      ],
    );
    assert.equal(readFileSync(join(dir, 'fay/dovecot-keywords'), 'utf8'), '0 $Forwarded\n1 Junk\n');
    const cur = readdirSync(join(dir, 'fay/cur')).sort();
    assert.ok(cur.includes(`${base}:2,Sab`), cur.join(' '));
    assert.ok(cur.some((n) => n.endsWith(':2,PSab')), cur.join(' ')); // P (passed) kept
    const modseq = r.changed[0]!.modseq;
    assert.ok(modseq > before.highestModseq);
    const again = await inbox.store([1], 'remove', ['junk'], before.highestModseq);
    assert.deepEqual(again.conflicts, [1]);
    const ok = await inbox.store([1], 'remove', ['junk'], modseq);
    assert.deepEqual(ok.changed[0]!.flags, ['\\Seen', '$Forwarded']);
    assert.deepEqual((await inbox.store([1, 2], 'add', ['\\Seen'])).changed, []); // nothing changed: nothing reported, no new modseq
    assert.equal(await codeOf(inbox.store([1], 'add', ['\\Bogus'])), 'FLAG_INVALID');
    const many = Array.from({ length: 24 }, (_, i) => `kw${i}`);
    await inbox.store([1], 'add', many);
    assert.equal(await codeOf(inbox.store([1], 'add', ['one-too-many'])), 'MAILBOX_KEYWORDS_FULL');
    assert.equal((await inbox.sync()).snapshot.keywords!.length, 26);
    inbox.release();
  });
});

describe('messages', () => {
  it('appends (cur/, LF on disk, sizes in the name, internal date), reads with CRLF, header only', async () => {
    const store = openUserStore(dir, 'gus');
    const inbox = await store.open('INBOX');
    const msg = Buffer.from('Subject: hi\r\nX: y\r\n\r\nbody line\r\nsecond\r\n');
    const date = Date.UTC(2024, 0, 2, 3, 4, 5);
    const uid = await inbox.append(msg, ['\\Seen', '\\Draft'], date);
    assert.equal(uid, 1);
    const [name] = readdirSync(join(dir, 'gus/cur'));
    assert.match(name!, new RegExp(`,S=${msg.length - 5},W=${msg.length}:2,DS$`));
    assert.equal(readFileSync(join(dir, 'gus/cur', name!), 'utf8'), 'Subject: hi\nX: y\n\nbody line\nsecond\n');
    const ch = await inbox.sync();
    assert.deepEqual(ch.added, [1]);
    const rec = ch.snapshot.messages[0]!;
    assert.equal(rec.internalDate, date);
    assert.equal(rec.size, msg.length);
    assert.deepEqual(inbox.read(1), msg);
    assert.equal(inbox.readHeader(1)!.toString(), 'Subject: hi\r\nX: y\r\n\r\n');
    // Renamed by someone else meanwhile: found again by its base name.
    renameSync(join(dir, 'gus/cur', name!), join(dir, 'gus/cur', `${rec.base}:2,DFS`));
    assert.deepEqual(inbox.read(1), msg);
    assert.equal(inbox.read(99), undefined);
    inbox.release();
  });

  it('copies (hard links, keywords by name), moves, expunges only \\Deleted ones', async () => {
    const store = openUserStore(dir, 'hal');
    await store.create('Dest');
    const inbox = await store.open('INBOX');
    const dest = await store.open('Dest');
    await dest.append(Buffer.from('Subject: x\r\n\r\n'), ['Other']); // Dest's letter a is "Other"
    for (const s of ['a', 'b', 'c']) await inbox.append(Buffer.from(`Subject: ${s}\r\n\r\n${s}\r\n`), ['$Label1']);
    await inbox.store([2], 'add', ['\\Flagged']);
    const pairs = await inbox.copy([3, 2, 99], dest);
    assert.deepEqual(pairs, [
      [2, 2],
      [3, 3],
    ]);
    const d = (await dest.sync()).snapshot;
    assert.deepEqual(d.messages.map((m) => m.flags), [['Other'], ['\\Flagged', '$Label1'], ['$Label1']]);
    assert.deepEqual(dest.read(3), inbox.read(3));
    assert.ok(readdirSync(join(dir, 'hal/.Dest/cur')).some((n) => n.endsWith(':2,Fb')));
    assert.deepEqual((await inbox.sync()).added, [1, 2, 3]); // this session's view, from the open on
    const moved = await inbox.move([1], dest);
    assert.deepEqual(moved, [[1, 4]]);
    const ch = await inbox.sync();
    assert.deepEqual(ch.expunged, [1]);
    assert.deepEqual(await inbox.expunge(), []); // nothing \Deleted: nothing removed
    await inbox.store([2, 3], 'add', ['\\Deleted']);
    assert.deepEqual(await inbox.expunge([3]), [3]);
    assert.deepEqual(await inbox.expunge(), [2]);
    assert.deepEqual((await inbox.sync()).snapshot.messages, []);
    assert.equal((await store.status('Dest')).messages, 4);
    // Deleted while a session has it open: everything is expunged for it, changes are refused.
    await store.delete('Dest');
    assert.deepEqual((await dest.sync()).expunged, [1, 2, 3]); // what this session had seen (it never synced after the MOVE)
    assert.equal(await codeOf(dest.store([1], 'add', ['\\Seen'])), 'MAILBOX_NOT_FOUND');
    assert.equal(await codeOf(dest.append(Buffer.from('Subject: late\r\n\r\n'), [])), 'MAILBOX_NOT_FOUND');
    await store.create('Dest');
    assert.equal((await store.status('Dest')).messages, 0);
    inbox.release();
    dest.release();
  });

  it('RENAME INBOX moves its messages into the new folder and leaves INBOX empty', async () => {
    writeMaildir(dir, 'ida', [{ content: message('a', ['1']) }, { content: message('b', ['2']), folder: 'cur', flags: 'S' }]);
    const store = openUserStore(dir, 'ida');
    assert.equal((await store.status('INBOX')).messages, 2);
    await store.rename('INBOX', 'Old');
    assert.equal((await store.status('INBOX')).messages, 0);
    const old = await store.status('Old');
    assert.equal(old.messages, 2);
    assert.equal(old.unseen, 1);
  });

  it('\\Recent: claimed by one session only, new/ moved to cur/', async () => {
    writeMaildir(dir, 'jo', [{ content: message('a', ['1']) }, { content: message('b', ['2']) }]);
    const store = openUserStore(dir, 'jo');
    assert.equal((await store.status('INBOX')).recent, 2);
    const a = await store.open('INBOX');
    const b = await store.open('INBOX');
    assert.deepEqual(await a.claimRecent(), [1, 2]);
    assert.deepEqual(await b.claimRecent(), []);
    assert.deepEqual(readdirSync(join(dir, 'jo/new')), []);
    assert.equal(readdirSync(join(dir, 'jo/cur')).length, 2);
    assert.equal((await store.status('INBOX')).recent, 0);
    addMessage(join(dir, 'jo'), { content: message('c', ['3']) });
    await b.sync();
    assert.deepEqual(await b.claimRecent(), [3]);
    a.release();
    b.release();
  });

  it('watch: one delivery into new/ is seen within a second; changes by another session notify too', async () => {
    writeMaildir(dir, 'kim', []);
    const store = openUserStore(dir, 'kim');
    const a = await store.open('INBOX');
    const b = await store.open('INBOX');
    let calls = 0;
    const seen = new Promise<void>((resolve) => {
      const off = a.watch(() => {
        calls++;
        off();
        resolve();
      });
    });
    addMessage(join(dir, 'kim'), { content: message('w', ['1']) });
    await Promise.race([seen, new Promise((_, rej) => setTimeout(() => rej(new Error('no watch event in 1 s')), 1000))]);
    assert.deepEqual((await a.sync()).added, [1]);
    const inProcess = new Promise<void>((resolve) => a.watch(resolve));
    await b.store([1], 'add', ['\\Seen']);
    await Promise.race([inProcess, new Promise((_, rej) => setTimeout(() => rej(new Error('no in-process event')), 1000))]);
    assert.deepEqual((await a.sync()).flagsChanged, [1]);
    assert.equal(calls, 1);
    a.release();
    b.release();
  });
});

// The IMAP command parser: commands as clients send them (atoms, quoted
// strings, literals, lists, sequence sets, FETCH items, SEARCH keys, the
// CONDSTORE/QRESYNC forms) to typed Commands, and malformed ones to BAD.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RawCommand } from '../../src/imap/protocol/assemble.js';
import { parseCommand } from '../../src/imap/protocol/parser.js';

/** Splits "a LOGIN {5}\r\nalice ..." into line fragments and literals, as the reader does. */
export function rawOf(text: string): RawCommand {
  const buf = Buffer.from(text, 'utf8');
  const lines: Buffer[] = [];
  const literals: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf('\r\n', start);
    if (nl < 0) {
      lines.push(buf.subarray(start));
      return { lines, literals };
    }
    const line = buf.subarray(start, nl);
    lines.push(line);
    const m = /\{(\d+)\+?\}$/.exec(line.toString('latin1'));
    if (!m) throw new Error('CRLF without a literal');
    literals.push(buf.subarray(nl + 2, nl + 2 + Number(m[1])));
    start = nl + 2 + Number(m[1]);
  }
}

function ok(text: string): any {
  const r = parseCommand(rawOf(text));
  if (!r.ok) assert.fail(`${text}: ${r.error.message}`);
  return r.command;
}

function bad(text: string, re?: RegExp): { tag: string; status: string; code?: string } {
  const r = parseCommand(rawOf(text));
  assert.ok(!r.ok, `${text} should not parse`);
  if (re) assert.match(r.error.message, re);
  return { tag: r.tag, status: r.error.status, code: r.error.code };
}

describe('IMAP parser: simple commands and strings', () => {
  it('parses commands without arguments in any case', () => {
    for (const v of ['CAPABILITY', 'noop', 'Logout', 'STARTTLS', 'CHECK', 'CLOSE', 'UNSELECT', 'NAMESPACE', 'IDLE']) {
      assert.deepEqual(ok(`a1 ${v}`), { tag: 'a1', name: v.toUpperCase() });
    }
    assert.equal(bad('a1 NOOP extra').tag, 'a1');
  });

  it('LOGIN with atoms, quoted strings (escapes) and literals', () => {
    assert.deepEqual(ok('a LOGIN alice secret'), { tag: 'a', name: 'LOGIN', user: 'alice', password: 'secret' });
    assert.deepEqual(ok('a LOGIN "alice" "se\\"c r\\\\et"'), { tag: 'a', name: 'LOGIN', user: 'alice', password: 'se"c r\\et' });
    assert.deepEqual(ok('a LOGIN {5}\r\nalice {6+}\r\npa ss\n'), { tag: 'a', name: 'LOGIN', user: 'alice', password: 'pa ss\n' });
    assert.equal(ok('a LOGIN alice "pässwört"').password, 'pässwört');
    bad('a LOGIN alice', /space/);
    bad('a LOGIN alice "unterminated', /Unterminated/);
    bad('a LOGIN alice "bad\\q"', /escape/);
  });

  it('AUTHENTICATE with and without an initial response', () => {
    assert.deepEqual(ok('x AUTHENTICATE plain'), { tag: 'x', name: 'AUTHENTICATE', mechanism: 'PLAIN', initial: undefined });
    assert.equal(ok('x AUTHENTICATE PLAIN AGFsaWNlAHB3').initial, 'AGFsaWNlAHB3');
    assert.equal(ok('x AUTHENTICATE PLAIN =').initial, '=');
  });

  it('ENABLE, ID and NAMESPACE', () => {
    assert.deepEqual(ok('e ENABLE condstore QRESYNC').capabilities, ['CONDSTORE', 'QRESYNC']);
    bad('e ENABLE');
    assert.equal(ok('i ID NIL').params, null);
    assert.deepEqual(ok('i ID ("name" "imaplib" "version" NIL)').params, { name: 'imaplib', version: null });
    bad('i ID ("name")');
  });

  it('refuses missing tags and unknown commands, keeping the tag when there is one', () => {
    assert.equal(bad('+ NOOP').tag, '*');
    assert.equal(bad('a17 FROBNICATE', /Unknown command/).tag, 'a17');
    assert.equal(bad('a18 UID LIST "" *', /not a command/).tag, 'a18');
    assert.equal(bad('a19').tag, 'a19');
  });
});

describe('IMAP parser: mailbox names', () => {
  it('decodes modified UTF-7 and folds INBOX', () => {
    assert.equal(ok('a SELECT inbox').mailbox, 'INBOX');
    assert.equal(ok('a SELECT "InBoX"').mailbox, 'INBOX');
    assert.equal(ok('a CREATE inbox.Sub').mailbox, 'INBOX.Sub');
    assert.equal(ok('a CREATE Entw&APw-rfe').mailbox, 'Entwürfe');
    assert.equal(ok('a CREATE "R&-D"').mailbox, 'R&D');
    assert.equal(ok('a CREATE {12}\r\nEntw&APw-rfe').mailbox, 'Entwürfe');
    bad('a CREATE Entw&APw', /modified UTF-7/);
    assert.deepEqual(ok('a RENAME Old "New Name"'), { tag: 'a', name: 'RENAME', from: 'Old', to: 'New Name' });
    assert.equal(ok('a SUBSCRIBE Sent').name, 'SUBSCRIBE');
    assert.equal(ok('a UNSUBSCRIBE Sent').mailbox, 'Sent');
    assert.equal(ok('a DELETE Trash').mailbox, 'Trash');
  });

  it('SELECT/EXAMINE with CONDSTORE and QRESYNC', () => {
    assert.deepEqual(ok('a SELECT INBOX'), { tag: 'a', name: 'SELECT', mailbox: 'INBOX', condstore: false, qresync: undefined });
    assert.equal(ok('a EXAMINE INBOX (CONDSTORE)').condstore, true);
    const q = ok('a SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))').qresync;
    assert.equal(q.uidValidity, 67890007);
    assert.equal(q.modseq, 20050715194045000);
    assert.deepEqual(q.knownUids, { ranges: [[41, 41], [43, 211], [214, 541]] });
    const q2 = ok('a SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976:29999)))').qresync;
    assert.deepEqual(q2.seqMatch[0], { ranges: [[5000, 5000], [7500, 7500], [9000, 9000], [9990, 9999]] });
    assert.equal(ok('a SELECT INBOX (QRESYNC (1 2))').qresync.knownUids, undefined);
    bad('a SELECT INBOX (FROB)');
    bad('a SELECT INBOX (QRESYNC (0 2))');
  });

  it('LIST and LSUB with wildcards, selection and return options', () => {
    assert.deepEqual(ok('a LIST "" *'), { tag: 'a', name: 'LIST', reference: '', pattern: '*' });
    assert.equal(ok('a LIST "" %.Entw&APw-rfe').pattern, '%.Entwürfe');
    assert.equal(ok('a LIST "" "*"').pattern, '*');
    assert.equal(ok('a LSUB "" Sent*').pattern, 'Sent*');
    const l = ok('a LIST (SPECIAL-USE) "" * RETURN (SUBSCRIBED SPECIAL-USE CHILDREN)');
    assert.ok(l.selectSpecialUse && l.returnSpecialUse && l.returnSubscribed && l.returnChildren);
    assert.ok(ok('a LIST (SUBSCRIBED RECURSIVEMATCH) "" *').selectSubscribed);
    bad('a LIST "" * RETURN (FROB)');
    bad('a LIST ""');
  });

  it('STATUS items', () => {
    assert.deepEqual(ok('a STATUS INBOX (MESSAGES unseen HIGHESTMODSEQ UIDNEXT UIDVALIDITY RECENT)').items, ['MESSAGES', 'UNSEEN', 'HIGHESTMODSEQ', 'UIDNEXT', 'UIDVALIDITY', 'RECENT']);
    bad('a STATUS INBOX ()');
    bad('a STATUS INBOX (FROB)');
  });

  it('APPEND with flags, a date-time and a literal', () => {
    const a = ok('a APPEND Drafts (\\Seen \\draft $Label) " 7-Feb-1994 21:52:25 -0800" {5}\r\nHello');
    assert.deepEqual(a.flags, ['\\Seen', '\\Draft', '$Label']);
    assert.equal(a.date, Date.UTC(1994, 1, 8, 5, 52, 25));
    assert.equal(a.message.toString(), 'Hello');
    const b = ok('a APPEND INBOX {3+}\r\nabc');
    assert.deepEqual(b.flags, []);
    assert.equal(b.date, undefined);
    bad('a APPEND INBOX "not a literal"', /literal/);
    bad('a APPEND INBOX (\\Recent) {1}\r\nx', /system flag/);
    bad('a APPEND INBOX "31-Foo-2020 00:00:00 +0000" {1}\r\nx');
  });
});

describe('IMAP parser: FETCH and STORE', () => {
  it('macros, single items and lists', () => {
    assert.deepEqual(ok('a FETCH 1 FAST').atts.map((x: any) => x.kind), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
    assert.deepEqual(ok('a FETCH 1:* ALL').atts.map((x: any) => x.kind), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE']);
    assert.deepEqual(ok('a FETCH 1 full').atts.map((x: any) => x.kind), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY']);
    assert.deepEqual(ok('a FETCH 2 flags').atts, [{ kind: 'FLAGS' }]);
    assert.deepEqual(ok('a FETCH 2 (UID RFC822.SIZE BODYSTRUCTURE body MODSEQ)').atts.map((x: any) => x.kind), ['UID', 'RFC822.SIZE', 'BODYSTRUCTURE', 'BODY', 'MODSEQ']);
    bad('a FETCH 1 (FLAGS FROB)', /Unknown FETCH item/);
    bad('a FETCH 1 ()');
    bad('a FETCH 0 FLAGS');
  });

  it('BODY[section]<partial> and BODY.PEEK', () => {
    assert.deepEqual(ok('a FETCH 1 BODY[]').atts[0], { kind: 'BODY[]', section: { part: [], text: undefined, fields: undefined }, peek: false, partial: undefined });
    assert.deepEqual(ok('a FETCH 1 BODY.PEEK[1.2.MIME]<0.1024>').atts[0], { kind: 'BODY[]', section: { part: [1, 2], text: 'MIME', fields: undefined }, peek: true, partial: { start: 0, length: 1024 } });
    const h = ok('a FETCH 1 (BODY.PEEK[HEADER.FIELDS (From To "Subject")] BODY[header.fields.not (x-spam)] BODY[TEXT] BODY[2])').atts;
    assert.deepEqual(h[0].section, { part: [], text: 'HEADER.FIELDS', fields: ['FROM', 'TO', 'SUBJECT'] });
    assert.deepEqual(h[1].section, { part: [], text: 'HEADER.FIELDS.NOT', fields: ['X-SPAM'] });
    assert.equal(h[2].section.text, 'TEXT');
    assert.deepEqual(h[3].section.part, [2]);
    bad('a FETCH 1 BODY[MIME]', /part number/);
    bad('a FETCH 1 BODY[HEADER.FIELDS ()]');
    bad('a FETCH 1 BODY[FROB]');
    bad('a FETCH 1 BODY[]<5>');
  });

  it('sequence sets with *, ranges, and $', () => {
    assert.deepEqual(ok('a FETCH 1,3:5,7:*,* UID').set, { ranges: [[1, 1], [3, 5], [7, Infinity], [Infinity, Infinity]] });
    assert.deepEqual(ok('a FETCH $ FLAGS').set, { saved: true });
    assert.deepEqual(ok('a UID FETCH 9:2 FLAGS').set, { ranges: [[9, 2]] });
    bad('a FETCH 1,,2 FLAGS');
    bad('a FETCH x FLAGS');
  });

  it('UID FETCH with CHANGEDSINCE and VANISHED', () => {
    const f = ok('a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)');
    assert.equal(f.uid, true);
    assert.equal(f.changedSince, 12345);
    assert.equal(f.vanished, true);
    assert.equal(ok('a FETCH 1:* FLAGS (CHANGEDSINCE 7)').changedSince, 7);
    bad('a FETCH 1:* FLAGS (CHANGEDSINCE 7 VANISHED)', /UID FETCH/);
    bad('a UID FETCH 1:* FLAGS (VANISHED)', /CHANGEDSINCE/);
  });

  it('STORE forms', () => {
    assert.deepEqual(ok('a STORE 1:3 +FLAGS (\\Deleted)'), { tag: 'a', name: 'STORE', uid: false, set: { ranges: [[1, 3]] }, op: 'add', silent: false, flags: ['\\Deleted'], unchangedSince: undefined });
    const s = ok('a UID STORE 5 (UNCHANGEDSINCE 200) -flags.silent \\Seen $Junk');
    assert.deepEqual([s.uid, s.op, s.silent, s.flags, s.unchangedSince], [true, 'remove', true, ['\\Seen', '$Junk'], 200]);
    assert.equal(ok('a STORE 1 FLAGS ()').op, 'replace');
    bad('a STORE 1 +FLAGZ (\\Seen)');
    bad('a STORE 1 +FLAGS (\\Recent)');
  });

  it('COPY, MOVE and UID EXPUNGE', () => {
    assert.deepEqual(ok('a COPY 2:4 Entw&APw-rfe'), { tag: 'a', name: 'COPY', uid: false, set: { ranges: [[2, 4]] }, mailbox: 'Entwürfe' });
    assert.deepEqual(ok('a UID MOVE 42 Trash'), { tag: 'a', name: 'MOVE', uid: true, set: { ranges: [[42, 42]] }, mailbox: 'Trash' });
    assert.deepEqual(ok('a EXPUNGE'), { tag: 'a', name: 'EXPUNGE', uid: false });
    assert.deepEqual(ok('a UID EXPUNGE 3:5').set, { ranges: [[3, 5]] });
    bad('a UID EXPUNGE');
    bad('a COPY Trash');
  });
});

describe('IMAP parser: SEARCH', () => {
  const key = (s: string) => ok(`a SEARCH ${s}`).key;
  it('flag, header and text keys', () => {
    assert.deepEqual(key('ALL'), { op: 'all' });
    assert.deepEqual(key('unseen'), { op: 'flag', flag: '\\Seen', set: false });
    assert.deepEqual(key('DELETED'), { op: 'flag', flag: '\\Deleted', set: true });
    assert.deepEqual(key('KEYWORD $Forwarded'), { op: 'flag', flag: '$Forwarded', set: true });
    assert.deepEqual(key('UNKEYWORD \\Flagged'), { op: 'flag', flag: '\\Flagged', set: false });
    assert.deepEqual(key('NEW'), { op: 'new' });
    assert.deepEqual(key('FROM "Alice Smith"'), { op: 'header', field: 'FROM', value: 'Alice Smith' });
    assert.deepEqual(key('HEADER x-mailer {4}\r\nmutt'), { op: 'header', field: 'X-MAILER', value: 'mutt' });
    assert.deepEqual(key('TEXT hello'), { op: 'text', value: 'hello' });
    assert.deepEqual(key('BODY "two words"'), { op: 'body', value: 'two words' });
  });

  it('dates, sizes, sets and MODSEQ', () => {
    assert.deepEqual(key('SINCE 1-Jan-2026'), { op: 'date', which: 'internal', cmp: 'since', day: '2026-01-01' });
    assert.deepEqual(key('SENTBEFORE "14-nov-2023"'), { op: 'date', which: 'sent', cmp: 'before', day: '2023-11-14' });
    assert.deepEqual(key('LARGER 1000'), { op: 'size', cmp: 'larger', n: 1000 });
    assert.deepEqual(key('2:4,*'), { op: 'seq', set: { ranges: [[2, 4], [Infinity, Infinity]] } });
    assert.deepEqual(key('UID 10:*'), { op: 'uid', set: { ranges: [[10, Infinity]] } });
    assert.deepEqual(key('MODSEQ 620162338'), { op: 'modseq', min: 620162338 });
    assert.deepEqual(key('MODSEQ "/flags/\\\\draft" all 620162338'), { op: 'modseq', min: 620162338 });
    bad('a SEARCH SINCE 2026-01-01', /Bad date/);
    bad('a SEARCH SINCE 1-Foo-2026', /month/);
    bad('a SEARCH LARGER x');
  });

  it('NOT, OR, parentheses and implicit AND', () => {
    assert.deepEqual(key('NOT SEEN'), { op: 'not', key: { op: 'flag', flag: '\\Seen', set: true } });
    assert.deepEqual(key('OR FROM a (TO b SUBJECT c)'), {
      op: 'or',
      a: { op: 'header', field: 'FROM', value: 'a' },
      b: { op: 'and', keys: [{ op: 'header', field: 'TO', value: 'b' }, { op: 'header', field: 'SUBJECT', value: 'c' }] },
    });
    assert.deepEqual(key('SEEN 1:3'), { op: 'and', keys: [{ op: 'flag', flag: '\\Seen', set: true }, { op: 'seq', set: { ranges: [[1, 3]] } }] });
    assert.deepEqual(key('((DRAFT))'), { op: 'flag', flag: '\\Draft', set: true });
    bad('a SEARCH OR SEEN');
    bad('a SEARCH (SEEN');
    bad('a SEARCH ' + '('.repeat(60) + 'ALL' + ')'.repeat(60), /nested/);
    bad('a SEARCH FROB', /Unknown search key/);
    bad('a SEARCH');
  });

  it('CHARSET and RETURN', () => {
    assert.equal(ok('a SEARCH CHARSET UTF-8 SUBJECT {7}\r\nGrüße').key.value, 'Grüße');
    assert.equal(ok('a SEARCH CHARSET us-ascii ALL').charset, 'US-ASCII');
    const r = bad('a SEARCH CHARSET ISO-8859-1 ALL');
    assert.deepEqual([r.status, r.code], ['NO', 'BADCHARSET (UTF-8 US-ASCII)']);
    assert.deepEqual(ok('a UID SEARCH RETURN (SAVE) UNSEEN').returnOpts, ['SAVE']);
    assert.equal(ok('a UID SEARCH RETURN () ALL').uid, true);
  });
});

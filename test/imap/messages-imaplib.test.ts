// The message commands end to end with Python's imaplib over a real Maildir:
// FETCH items and partials, STORE (flags visible in the file names), SEARCH
// keys, COPY/MOVE/EXPUNGE with UIDPLUS codes, APPEND, CONDSTORE.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { imaplib, startPyServer, type PyServer } from './imap-py.js';
import { FIXTURES } from './messages-fixture.js';

let srv: PyServer;

before(async () => {
  srv = await startPyServer([
    { content: FIXTURES[0]!, folder: 'cur', flags: 'S' },
    { content: FIXTURES[1]!, folder: 'cur', flags: 'FR' },
    { content: FIXTURES[2]! },
    { content: FIXTURES[3]!, folder: 'cur', flags: 'D' },
  ]);
});
after(() => srv?.stop());

/** Maildir info suffixes (":2,FS") of a folder's cur/ files, sorted. */
function infos(dir: string): string[] {
  return readdirSync(join(dir, 'cur')).map((n) => n.slice(n.indexOf(':'))).sort();
}

test('FETCH: every item, partials, HEADER.FIELDS, sections of a multipart', async () => {
  const r = await imaplib(srv.port, String.raw`
M.select('INBOX', readonly=True)
run('index', lambda: M.fetch('1', '(FLAGS INTERNALDATE RFC822.SIZE UID ENVELOPE)'))
run('fields', lambda: M.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])'))
run('partial', lambda: M.fetch('1', '(BODY.PEEK[]<0.10> BODY.PEEK[TEXT]<5.3>)'))
run('beyond', lambda: M.fetch('1', '(BODY.PEEK[]<99999.10>)'))
run('bs', lambda: M.fetch('3', '(BODYSTRUCTURE BODY)'))
run('parts', lambda: M.fetch('3', '(BODY.PEEK[1] BODY.PEEK[2.MIME] BODY.PEEK[2])'))
run('rfc822', lambda: M.fetch('2', '(RFC822.HEADER RFC822.TEXT)'))
run('uid', lambda: M.uid('FETCH', '1:*', '(RFC822.SIZE)'))
run('bad', lambda: M.fetch('9', '(FLAGS)'))
run('nouid', lambda: M.uid('FETCH', '90:99', '(FLAGS)'))
`);
  const index = r.index!.data[0] as string;
  assert.match(index, /^1 \(UID 1 FLAGS \(\\Seen\) INTERNALDATE "\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}" RFC822\.SIZE \d+ ENVELOPE \("Tue, 14 Nov 2023 22:13:20 \+0000" "Quarterly report" \(\("Alice Example" NIL "alice" "example\.com"\)\)/);
  assert.equal(Number(/RFC822\.SIZE (\d+)/.exec(index)![1]), Buffer.byteLength(FIXTURES[0]!));
  assert.deepEqual(r.fields!.data[0], ['1 (BODY[HEADER.FIELDS (SUBJECT FROM)] {70}', 'From: Alice Example <alice@example.com>\r\nSubject: Quarterly report\r\n\r\n']);
  const partial = r.partial!.data.flat().join('');
  assert.ok(partial.includes(`BODY[]<0> {10}${FIXTURES[0]!.slice(0, 10)}`), partial);
  assert.ok(partial.includes('BODY[TEXT]<5> {3}umb'), partial);
  assert.equal(r.beyond!.data[0], '1 (BODY[]<99999> "")');
  assert.match(r.bs!.data[0], /BODYSTRUCTURE \(\("text" "plain" \("charset" "us-ascii"\) NIL NIL "7bit" 31 \d+ NIL NIL NIL NIL\)\("image" "png" \("name" "a\.png"\) NIL NIL "base64" 12 NIL NIL NIL NIL\) "mixed" \("boundary" "XX"\) NIL NIL NIL\) BODY \(\(/);
  const parts = r.parts!.data.flat().join('|');
  assert.ok(parts.includes('BODY[1] {31}|See the attached holiday photo.'), parts);
  assert.ok(parts.includes('BODY[2] {12}|iVBORw0KGgo='), parts);
  assert.match(parts, /BODY\[2\.MIME\] \{\d+\}\|Content-Type: image\/png; name="a\.png"\r\nContent-Transfer-Encoding: base64\r\n\r\n/);
  const rfc = r.rfc822!.data.flat().join('|');
  assert.ok(rfc.includes('RFC822.HEADER {'), rfc);
  assert.ok(rfc.includes('|Hallo Bob, viele Grüße.\r\n'), rfc);
  assert.equal(r.uid!.data.length, 4);
  assert.match(r.uid!.data[3], /^4 \(UID 4 RFC822\.SIZE \d+\)$/);
  assert.equal(r.bad!.typ, 'ERR');
  assert.deepEqual(r.nouid!.data, [null]);
  // EXAMINE: RFC822.TEXT did not set \Seen.
  assert.deepEqual(infos(join(srv.mail, 'alice')).filter((i) => i.includes('S')).length, 1);
});

test('SEARCH: every RFC 3501 key', async () => {
  const keys: Record<string, string> = {
    all: 'ALL', answered: 'ANSWERED', unanswered: 'UNANSWERED', deleted: 'DELETED', undeleted: 'UNDELETED', draft: 'DRAFT', undraft: 'UNDRAFT', flagged: 'FLAGGED', unflagged: 'UNFLAGGED',
    seen: 'SEEN', unseen: 'UNSEEN', keyword: 'KEYWORD $Work', unkeyword: 'UNKEYWORD $Work', new: 'NEW', old: 'OLD', recent: 'RECENT',
    from: 'FROM ALICE', to: 'TO team', cc: 'CC dave', bcc: 'BCC secret', subject: 'SUBJECT "grüße aus"', header: 'HEADER X-Tag GREEN', headerEmpty: 'HEADER X-Tag ""',
    body: 'BODY "holiday photo"', text: 'TEXT carol', bodyNotHeader: 'BODY carol',
    larger: 'LARGER 1000', smaller: 'SMALLER 1000', sentbefore: 'SENTBEFORE 15-Nov-2023', senton: 'SENTON 15-Nov-2023', sentsince: 'SENTSINCE 16-Nov-2023',
    before: 'BEFORE 1-Jan-2000', since: 'SINCE 1-Jan-2000', on: 'ON 1-Jan-1999',
    uid: 'UID 2:3', seqset: '2,4', not: 'NOT SEEN', or: 'OR FLAGGED DRAFT', and: 'UNSEEN SUBJECT report', nested: 'NOT (OR SEEN (FROM eve))',
  };
  const lines = Object.entries(keys).map(([k, v]) => `run('${k}', lambda: M.search('UTF-8', ${JSON.stringify(v)}.encode('utf-8')))`);
  const r = await imaplib(srv.port, `M.select('INBOX')\nM.store('3', '+FLAGS', '(\\\\Deleted $Work)')\n${lines.join('\n')}\nrun('uidsearch', lambda: M.uid('SEARCH', 'UNSEEN'))`);
  const got = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.typ === 'OK' ? v.data[0] : v.typ]));
  assert.deepEqual(got, {
    all: '1 2 3 4', answered: '2', unanswered: '1 3 4', deleted: '3', undeleted: '1 2 4', draft: '4', undraft: '1 2 3', flagged: '2', unflagged: '1 3 4',
    seen: '1', unseen: '2 3 4', keyword: '3', unkeyword: '1 2 4', new: '2 3 4', old: '', recent: '1 2 3 4', // the first session holds every message as \Recent
    from: '1 4', to: '4', cc: '2', bcc: '3', subject: '2', header: '2', headerEmpty: '2',
    body: '3', text: '2', bodyNotHeader: '',
    larger: '4', smaller: '1 2 3', sentbefore: '1', senton: '2', sentsince: '3', before: '', since: '1 2 3 4', on: '',
    uid: '2 3', seqset: '2 4', not: '2 3 4', or: '2 4', and: '4', nested: '2 4',
    uidsearch: '2 3 4',
  });
});

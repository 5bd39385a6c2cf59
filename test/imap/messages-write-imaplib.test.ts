// The changing message commands end to end with imaplib over a real Maildir:
// STORE (flags in the file names), CONDSTORE UNCHANGEDSINCE, COPY/MOVE with
// COPYUID, EXPUNGE and UID EXPUNGE, APPEND with a literal and APPENDUID.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { formatInternalDate } from '../../src/imap/fetch/date.js';
import { imaplib, startPyServer, type PyServer } from './imap-py.js';
import { FIXTURES } from './messages-fixture.js';

let srv: PyServer;

before(async () => {
  srv = await startPyServer(FIXTURES.map((content) => ({ content, folder: 'cur' as const, flags: '' })));
});
after(() => srv?.stop());

/** Maildir info suffixes (":2,FS") of a folder's cur/ files, sorted. */
function infos(dir: string): string[] {
  return readdirSync(join(dir, 'cur')).map((n) => n.slice(n.indexOf(':2,') + 3)).sort();
}
const inbox = () => join(srv.mail, 'alice');

test('STORE: flags land in the file names; .SILENT is silent; \\Recent is refused', async () => {
  const r = await imaplib(srv.port, String.raw`
M.select('INBOX')
run('add', lambda: M.store('1:2', '+FLAGS', '(\\Flagged \\Seen)'))
run('remove', lambda: M.store('2', '-FLAGS', '(\\Seen)'))
run('replace', lambda: M.uid('STORE', '3', 'FLAGS.SILENT', '(\\Answered \\Draft)'))
run('recent', lambda: M.store('1', '+FLAGS', '(\\Recent)'))
run('check', lambda: M.fetch('1:4', '(FLAGS)'))
run('seen', lambda: M.fetch('4', '(BODY[HEADER.FIELDS.NOT (TO MESSAGE-ID SUBJECT)] BODY.PEEK[HEADER] RFC822)'))
`);
  assert.equal(r.add!.typ, 'OK');
  assert.match(r.add!.data.join(' '), /^1 \(FLAGS \([^)]*\\Seen[^)]*\)\) 2 \(FLAGS/);
  // (No assertion on .SILENT here: the session's announce reports every flag change after the command.)
  assert.equal(r.recent!.typ, 'ERR');
  const flags = r.check!.data.map((d: string) => {
    const m = /^(\d+) \(FLAGS \(([^)]*)\)\)$/.exec(d)!;
    return `${m[1]}:${m[2]!.split(' ').filter((f) => f && f !== '\\Recent').sort().join(' ')}`;
  });
  assert.deepEqual(flags, ['1:\\Flagged \\Seen', '2:\\Flagged', '3:\\Answered \\Draft', '4:']);
  // A non-PEEK fetch sets \Seen and reports FLAGS with it.
  const seen = r.seen!.data.flat().join('|');
  assert.match(seen, /^4 \(FLAGS \([^)]*\\Seen[^)]*\) BODY\[HEADER\.FIELDS\.NOT \(TO MESSAGE-ID SUBJECT\)\] \{\d+\}\|From: alice@example\.com\r\n\r\n\| BODY\[HEADER\] \{\d+\}\|From: alice@example\.com\r\nTo: team@test\.example\r\nSubject: Re: Quarterly report\r\n\r\n\| RFC822 \{/);
  assert.deepEqual(infos(inbox()), ['DR', 'F', 'FS', 'S']);
});

test('CONDSTORE: FETCH CHANGEDSINCE and STORE UNCHANGEDSINCE answer [MODIFIED]', async () => {
  const r = await imaplib(srv.port, String.raw`
M.select('INBOX')
run('enable', lambda: M._simple_command('ENABLE', 'CONDSTORE'))
run('modseq', lambda: M.fetch('1:4', '(MODSEQ)'))
ms = {int(m.group(1)): int(m.group(2)) for m in (re.match(r'(\d+) \(MODSEQ \((\d+)\)\)', d) for d in out['modseq']['data'])}
low = min(ms.values())
run('changed', lambda: M.fetch('1:*', '(FLAGS) (CHANGEDSINCE %d)' % low))
run('cond', lambda: M.store('1:4', '(UNCHANGEDSINCE %d) +FLAGS' % low, '(\\Answered)'))
out['low'] = {'typ': 'OK', 'data': [str(low), str([k for k, v in ms.items() if v > low])], 'untagged': {}}
`);
  assert.equal(r.cond!.typ, 'OK');
  const changedSeqs = JSON.parse(r.low!.data[1]) as number[];
  assert.ok(changedSeqs.length > 0);
  assert.equal(r.changed!.data.length, changedSeqs.length);
  for (const d of r.changed!.data) assert.match(d, /FLAGS \(.*\) MODSEQ \(\d+\)\)$/);
  const modified = r.cond!.untagged.MODIFIED?.[0] as string | undefined;
  assert.ok(modified, JSON.stringify(r.cond));
  assert.equal(modified.split(',').length > 0, true);
  // Messages outside [MODIFIED] got \Answered with a new MODSEQ.
  assert.match(r.cond!.data.join(' '), /FLAGS \([^)]*\\Answered[^)]*\) MODSEQ \(\d+\)/);
});

test('COPY, MOVE, EXPUNGE, UID EXPUNGE and APPEND with UIDPLUS codes', async () => {
  const r = await imaplib(srv.port, String.raw`
M.create('Archive')
M.select('INBOX')
run('copy', lambda: M.copy('1:2', 'Archive'))
run('copymissing', lambda: M.copy('1', 'Nowhere'))
run('move', lambda: M.uid('MOVE', '3', 'Archive'))
run('del', lambda: M.store('1:2', '+FLAGS.SILENT', '(\\Deleted)'))
run('uidexpunge', lambda: M.uid('EXPUNGE', '1'))
run('expunge', lambda: M.expunge())
run('append', lambda: M.append('Archive', '(\\Seen $Later)', '"05-Jan-2024 10:00:00 +0100"', b'Subject: appended\r\n\r\nhello\r\n'))
run('appendinbox', lambda: M.append('INBOX', None, None, b'Subject: here\r\n\r\nnew one\r\n'))
run('appendmissing', lambda: M.append('Nowhere', None, None, b'Subject: x\r\n\r\nx\r\n'))
run('left', lambda: M.uid('SEARCH', 'ALL'))
M.select('Archive')
run('archive', lambda: M.fetch('1:*', '(UID FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])'))
`);
  assert.match(r.copy!.untagged.COPYUID?.[0] ?? '', /^\d+ 1:2 1:2$/);
  assert.equal(r.copymissing!.typ, 'NO');
  assert.match(r.copymissing!.data[0], /TRYCREATE/);
  // MOVE: untagged OK [COPYUID], then the expunge of sequence number 3.
  assert.match(r.move!.untagged.COPYUID?.[0] ?? '', /^\d+ 3 3$/);
  assert.deepEqual(r.move!.untagged.EXPUNGE, ['3']);
  assert.deepEqual(r.uidexpunge!.untagged.EXPUNGE, ['1']);
  // After UID 1 went, sequence 1..2 are UIDs 2 and 4; only UID 2 is \Deleted.
  assert.deepEqual(r.expunge!.data, ['1']);
  assert.match(r.append!.untagged.APPENDUID?.[0] ?? '', /^\d+ 4$/);
  assert.match(r.appendinbox!.untagged.APPENDUID?.[0] ?? '', /^\d+ 5$/);
  assert.match(r.appendmissing!.data[0], /TRYCREATE/);
  assert.deepEqual(r.left!.data, ['4 5']);
  const archive = r.archive!.data.filter((d: unknown) => Array.isArray(d)).map((d: string[]) => d.join('|'));
  assert.equal(archive.length, 4);
  assert.match(archive[3]!, /UID 4 FLAGS \(\\Seen \$Later( \\Recent)?\) INTERNALDATE /);
  // 10:00 +0100 as the server's zone shows it.
  assert.ok(archive[3]!.includes(`INTERNALDATE "${formatInternalDate(Date.UTC(2024, 0, 5, 9))}"`), archive[3]);
  assert.match(archive[3]!, /Subject: appended/);
  // The INBOX files: UIDs 4 and 5 remain, the Archive holds four.
  assert.equal(readdirSync(join(inbox(), 'cur')).length + readdirSync(join(inbox(), 'new')).length, 2);
});

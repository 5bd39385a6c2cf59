// curl's imap:// client (libcurl: LIST, SELECT + UID FETCH BODY[], custom
// commands with -X) against the server: the folder list, one message byte for
// byte as stored (LF on disk, CRLF on the wire), a header section, and SEARCH.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { run } from '../../helpers/env.js';
import { currentFile, generateMaildir, type GeneratedMessage } from '../../helpers/maildir-gen.js';
import { startTarget, TARGET, type ImapTarget } from './server.js';

let t: ImapTarget;
let gen: GeneratedMessage[];
const PASSWORD = 'curl pw'; // a space, percent-encoded in the URL

const curl = async (path: string, args: string[] = []) => {
  const r = await run('curl', ['-sS', '--max-time', '20', ...args, `imap://${t.user}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${t.port}/${path}`]);
  assert.equal(r.code, 0, `curl ${path}: ${r.stderr}`);
  return r.stdout;
};

describe(`curl imap:// against ${TARGET}`, () => {
  before(async () => {
    t = await startTarget({ password: PASSWORD, populate: (m) => (gen = generateMaildir(m, { folders: { INBOX: 12, Sent: 2, 'Archive.2026': 1 }, attachmentScale: 0.05 }).messages) });
  });
  after(async () => t?.stop());

  it('lists the mailboxes', async () => {
    const out = await curl('');
    const names = [...out.matchAll(/^\* LIST \([^)]*\) "\." "?([^"\r\n]+)"?\r?$/gm)].map((m) => m[1]);
    for (const n of ['INBOX', 'Sent', 'Archive.2026']) assert.ok(names.includes(n), `${n} in ${JSON.stringify(out)}`);
  });

  it('fetches messages by UID, byte for byte', async () => {
    for (const uid of [1, 7, 12]) {
      const body = await curl(`INBOX;UID=${uid}`);
      const stored = readFileSync(currentFile(gen[uid - 1]!.file)!, 'utf8').replace(/\n/g, '\r\n');
      assert.equal(body.length, stored.length, `size of UID ${uid}`);
      assert.ok(body === stored, `UID ${uid} differs from the file`);
    }
  });

  it('fetches a header field section', async () => {
    const out = await curl('INBOX;UID=3;SECTION=HEADER.FIELDS%20(SUBJECT)');
    assert.equal(out, `Subject: ${gen[2]!.rawSubject}\r\n\r\n`);
  });

  it('searches (the URL query and a custom UID SEARCH)', async () => {
    const want = (word: string) => gen.filter((g) => g.folder === 'INBOX' && g.subject.includes(word)).map((g) => gen.indexOf(g) + 1);
    const q = await curl('INBOX?SUBJECT%20meeting');
    assert.deepEqual(q.trim().replace(/^\* SEARCH ?/, '').split(' ').filter(Boolean).map(Number), want('meeting'));
    const x = await curl('INBOX', ['-X', 'UID SEARCH SUBJECT report']);
    assert.deepEqual(x.trim().replace(/^\* SEARCH ?/, '').split(' ').filter(Boolean).map(Number), want('report'));
  });
});

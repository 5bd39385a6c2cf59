// mutt reading the same Maildir the server serves, while an IMAP client has
// it selected: flags set over IMAP are in the file names (F, S) as mutt reads
// them (mutt copies the messages it sees flagged), and a flag mutt sets (a
// rename) is seen over IMAP, on the open connection and on a new one.
// mutt needs a terminal: it runs under script(1) from util-linux with its
// commands pushed from a generated muttrc, and exits by itself.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { run } from '../../helpers/env.js';
import { currentFile, generateMaildir, type GeneratedMessage } from '../../helpers/maildir-gen.js';
import { startTarget, TARGET, type ImapTarget } from './server.js';

const haveMutt = existsSync('/usr/bin/mutt') && existsSync('/usr/bin/script');
let t: ImapTarget;
let gen: GeneratedMessage[];
let imap: ImapFlow;

const flagsOf = (g: GeneratedMessage) => (basename(currentFile(g.file)!).split(':2,')[1] ?? '');

/** Runs mutt on the Maildir with `push` commands; it must exit on its own. */
async function mutt(push: string): Promise<void> {
  const rc = join(t.sb.dir, 'muttrc');
  writeFileSync(
    rc,
    `set folder=${t.sb.dir} spoolfile=${t.maildir} mbox_type=mbox confirmcreate=no confirmappend=no sort=mailbox-order mark_old=no move=no\n` +
      `push '${push}<sync-mailbox><exit>'\n`,
  );
  const r = await run('script', ['-qec', `mutt -n -F ${rc} -f ${t.maildir}`, '/dev/null'], '', { env: { TERM: 'xterm', HOME: t.sb.dir }, timeoutMs: 30_000 });
  assert.equal(r.code, 0, `mutt under script exited ${r.code} (a prompt it waited on?)`);
}

describe(`mutt on the Maildir the ${TARGET} IMAP server serves`, { skip: !haveMutt && 'mutt or script(1) not installed' }, () => {
  before(async () => {
    t = await startTarget({ populate: (m) => (gen = generateMaildir(m, { folders: { INBOX: 10 }, attachmentScale: 0.05 }).messages) });
    imap = new ImapFlow({ host: '127.0.0.1', port: t.port, secure: false, doSTARTTLS: false, auth: { user: t.user, pass: t.password }, logger: false });
    imap.on('error', () => undefined);
    await imap.connect();
    await imap.mailboxOpen('INBOX');
  });
  after(async () => {
    await imap?.logout().catch(() => imap.close());
    await t?.stop();
  });

  it('IMAP STORE \\Flagged \\Seen: the file names carry F and S, and mutt sees them flagged', async () => {
    const targets = [gen[2]!, gen[9]!]; // one in cur/, one still in new/
    for (const g of targets) assert.doesNotMatch(flagsOf(g), /F/);
    await imap.messageFlagsAdd('3,10', ['\\Flagged', '\\Seen']);
    for (const g of targets) assert.match(flagsOf(g), /^(?=.*F)(?=.*S)/, `${basename(currentFile(g.file)!)} has F and S`);
    const already = gen.filter((g) => /F/.test(g.flags));
    await mutt(`<tag-pattern>~F<enter><tag-prefix><copy-message>=flagged<enter>`);
    const copied = [...readFileSync(join(t.sb.dir, 'flagged'), 'utf8').matchAll(/^Message-ID: (<[^>]+>)/gm)].map((m) => m[1]).sort();
    const want = [...targets, ...already].map((g) => /^Message-ID: (<[^>]+>)/m.exec(readFileSync(currentFile(g.file)!, 'utf8'))![1]).sort();
    assert.deepEqual(copied, want);
  });

  it('a flag mutt sets is seen over IMAP (the open connection and a new one)', async () => {
    const g = gen.slice(3, 9).find((x) => !/F/.test(flagsOf(x)) && !x.rawSubject.startsWith('=?'))!;
    const seq = gen.indexOf(g) + 1;
    await mutt(`<tag-pattern>~s "#${seq - 1}$"<enter><tag-prefix><flag-message>`);
    assert.match(flagsOf(g), /F/, 'mutt renamed the file');
    await imap.noop();
    const seen = await imap.fetchOne(String(seq), { flags: true, envelope: true });
    assert.ok(seen);
    assert.equal(seen.envelope?.subject, g.subject);
    assert.ok(seen.flags?.has('\\Flagged'), `the open connection sees \\Flagged (has ${[...(seen.flags ?? [])]})`);
    const fresh = new ImapFlow({ host: '127.0.0.1', port: t.port, secure: false, doSTARTTLS: false, auth: { user: t.user, pass: t.password }, logger: false });
    fresh.on('error', () => undefined);
    await fresh.connect();
    try {
      await fresh.mailboxOpen('INBOX', { readOnly: true });
      const m = await fresh.fetchOne(String(seq), { flags: true });
      assert.ok(m && m.flags?.has('\\Flagged'));
    } finally {
      await fresh.logout();
    }
  });
});

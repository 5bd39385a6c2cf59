// mbsync (isync) against the server: a generated 500-message mailbox with
// folders (Sent, a hierarchy Archive.2026, a non-ASCII name) is synced into a
// local Maildir, then a flag is changed on each side (a rename on the local
// side, STORE through Python's imaplib on the server) and a second sync
// converges: the files on both sides carry both changes.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeMutf7 } from '../../../src/mailbox/mutf7.js';
import { PYTHON, run } from '../../helpers/env.js';
import { currentFile, generateMaildir, type GeneratedMessage } from '../../helpers/maildir-gen.js';
import { startTarget, TARGET, type ImapTarget } from './server.js';

const haveMbsync = existsSync('/usr/bin/mbsync');
const FOLDERS = { INBOX: 440, Sent: 30, 'Archive.2026': 25, 'Entwürfe': 5 };
let t: ImapTarget;
let gen: GeneratedMessage[];
let local: string;

const msgId = (text: string) => /^Message-ID: (<[^>]+>)/im.exec(text)?.[1];

/** Message-ID -> file path, for every message under a local Maildir tree (any depth). */
function localIndex(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = join(dir, e.name);
      if (e.name === 'cur' || e.name === 'new') for (const f of readdirSync(p)) out.set(msgId(readFileSync(join(p, f), 'utf8').slice(0, 4000)) ?? f, join(p, f));
      else if (e.name !== 'tmp') walk(p);
    }
  };
  walk(root);
  return out;
}

const flagsOf = (file: string) => (basename(file).split(':2,')[1] ?? '').replace(/[^A-Z]/g, '');

async function mbsync(): Promise<void> {
  const r = await run('mbsync', ['-c', join(t.sb.dir, 'mbsyncrc'), '-a'], '', { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `mbsync failed:\n${r.stdout}\n${r.stderr}`);
}

describe(`mbsync against ${TARGET}`, { skip: !haveMbsync && 'isync not installed' }, () => {
  before(async () => {
    t = await startTarget({ password: 'sync pw', populate: (m) => (gen = generateMaildir(m, { folders: FOLDERS, attachmentScale: 0.1 }).messages) });
    local = join(t.sb.dir, 'local');
    mkdirSync(local);
    writeFileSync(
      join(t.sb.dir, 'mbsyncrc'),
      `IMAPAccount srv\nHost 127.0.0.1\nPort ${t.port}\nUser ${t.user}\nPass "${t.password}"\nSSLType None\nAuthMechs LOGIN\n\n` +
        `IMAPStore remote\nAccount srv\n\n` +
        `MaildirStore near\nPath ${local}/\nInbox ${local}/INBOX\nSubFolders Verbatim\n\n` +
        `Channel sync\nFar :remote:\nNear :near:\nPatterns *\nCreate Both\nSync All\nExpunge Both\nSyncState *\n`,
    );
  });
  after(async () => t?.stop());

  it('the first sync copies every folder and message', async () => {
    await mbsync();
    const idx = localIndex(local);
    assert.equal(idx.size, 500);
    for (const g of gen) {
      const id = msgId(readFileSync(currentFile(g.file)!, 'utf8'))!;
      const f = idx.get(id);
      assert.ok(f, `${g.folder} message ${id} synced`);
      // isync 1.4 keeps the wire name (modified UTF-7) for the local directory.
      assert.ok(f.includes(`/${encodeMutf7(g.folder).replace('.', '/')}/`), `${id} is in the local folder for ${g.folder}: ${f}`);
      assert.equal(flagsOf(f), g.flags, `flags of ${id}`);
    }
    // Byte for byte (mbsync stores LF line ends, as the server's files are),
    // apart from the X-TUID header mbsync adds to what it copies.
    for (const g of gen.filter((_, i) => i % 50 === 0)) {
      const server = readFileSync(currentFile(g.file)!);
      const near = readFileSync(idx.get(msgId(server.toString())!)!);
      assert.equal(near.toString('latin1').replace(/^X-TUID: .*\n/m, ''), server.toString('latin1'), `content of ${g.file}`);
    }
  });

  it('flags changed on both sides converge on the second sync', async () => {
    const inbox = gen.filter((g) => g.folder === 'INBOX');
    const seenHere = inbox.find((g) => g.flags === '')!; // unseen: mark it seen locally
    const flagThere = inbox.find((g) => !g.flags.includes('F') && g !== seenHere)!; // flag it on the server
    const idx = localIndex(local);
    const idOf = (g: GeneratedMessage) => msgId(readFileSync(currentFile(g.file)!, 'utf8'))!;
    const lf = idx.get(idOf(seenHere))!;
    // Marking seen as a Maildir reader does: into cur/ with S added.
    renameSync(lf, join(lf, '..', '..', 'cur', `${basename(lf).split(':')[0]}:2,${flagsOf(lf)}S`));
    const seq = inbox.indexOf(flagThere) + 1;
    const py = await run(
      PYTHON,
      [
        '-c',
        `import imaplib, os, sys\nm = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))\nm.login(os.environ['U'], os.environ['P'])\nm.select('INBOX')\n` +
          `t, d = m.store(os.environ['SEQ'], '+FLAGS', '(\\\\Flagged)')\nassert t == 'OK', d\n` +
          `t, d = m.fetch(os.environ['SEQ'], '(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])')\nsys.stdout.write(d[0][1].decode())\nm.logout()\n`,
      ],
      '',
      { env: { PORT: String(t.port), U: t.user, P: t.password, SEQ: String(seq) } },
    );
    assert.equal(py.code, 0, py.stderr);
    assert.equal(msgId(py.stdout), idOf(flagThere), 'imaplib flagged the intended message');
    await mbsync();
    // Server side: the locally seen message's file now carries S.
    assert.match(flagsOf(currentFile(seenHere.file)!), /S/, 'seen reached the server Maildir');
    // Local side: the server-flagged message's file carries F.
    const after = localIndex(local);
    assert.match(flagsOf(after.get(idOf(flagThere))!), /F/, 'flagged reached the local Maildir');
    assert.match(flagsOf(after.get(idOf(seenHere))!), /S/);
    assert.equal(after.size, 500);
    // A third sync has nothing left to do: both sides agree on every flag.
    await mbsync();
    const final = localIndex(local);
    for (const g of inbox) assert.equal(flagsOf(final.get(idOf(g))!), flagsOf(currentFile(g.file)!), `flags of ${idOf(g)} on both sides`);
  });
});

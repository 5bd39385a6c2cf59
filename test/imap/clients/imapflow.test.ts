// imapflow (the Node IMAP client most web mail and automation uses) against
// the server: IDLE sees mail the daemon delivers, MOVE between folders lands
// the files in the other Maildir++ folder, and CONDSTORE / QRESYNC report
// exactly the flag changes and expunges made by another connection.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { waitFor } from '../../helpers/env.js';
import { folderDir, generateMaildir, type GeneratedMessage } from '../../helpers/maildir-gen.js';
import { startTarget, TARGET, type ImapTarget } from './server.js';

let t: ImapTarget;
let generated: GeneratedMessage[];
const open: ImapFlow[] = [];

async function client(opts: { qresync?: boolean } = {}): Promise<ImapFlow> {
  const c = new ImapFlow({ host: '127.0.0.1', port: t.port, secure: false, doSTARTTLS: false, auth: { user: t.user, pass: t.password }, logger: false, qresync: opts.qresync ?? false });
  c.on('error', () => undefined); // a failed test closes sockets under it
  await c.connect();
  open.push(c);
  return c;
}

const files = (folder: string) => ['cur', 'new'].flatMap((d) => readdirSync(join(folderDir(t.maildir, folder), d)));

describe(`imapflow against ${TARGET}`, () => {
  before(async () => {
    t = await startTarget({ populate: (m) => (generated = generateMaildir(m, { folders: { INBOX: 20, Sent: 3 }, attachmentScale: 0.1 }).messages) });
  });

  after(async () => {
    for (const c of open) await c.logout().catch(() => c.close());
    await t?.stop();
  });

  it('IDLE: a message delivered by the daemon is announced while the client idles', async () => {
    const c = await client();
    assert.ok(c.capabilities.has('IDLE'), 'IDLE is advertised (imapflow would fall back to polling)');
    const box = await c.mailboxOpen('INBOX');
    assert.equal(box.exists, 20);
    let exists = box.exists;
    c.on('exists', (d: { count: number }) => (exists = d.count));
    const idling = c.idle();
    await waitFor(() => (c as unknown as { idling: boolean }).idling === true, 5000, 'IDLE to start');
    const subject = `idle-probe ${process.pid}`;
    await t.deliver(`From: ops@test.example\nTo: ${t.user}@test.example\nSubject: ${subject}\n\nwake up\n`);
    await waitFor(() => exists === 21, 20_000, 'an untagged EXISTS during IDLE');
    const msg = await c.fetchOne('*', { envelope: true, uid: true });
    assert.ok(msg);
    assert.equal(msg.envelope?.subject, subject);
    await idling;
  });

  it('MOVE: two messages go to another folder, on the wire and on disk', async () => {
    const c = await client();
    assert.ok(c.capabilities.has('MOVE'), 'MOVE is advertised (imapflow would fall back to COPY + EXPUNGE)');
    await c.mailboxCreate('Projects');
    await c.mailboxOpen('INBOX');
    const count = async () => {
      const st = await c.status('INBOX', { messages: true });
      assert.ok(st);
      return st.messages;
    };
    const before = (await count())!;
    const moved = await c.messageMove('1:2', 'Projects');
    assert.ok(moved);
    assert.equal(moved.uidMap?.size, 2, 'COPYUID names both messages');
    assert.equal(await count(), before - 2);
    await c.mailboxOpen('Projects');
    const subjects: string[] = [];
    for await (const m of c.fetch('1:*', { envelope: true })) subjects.push(m.envelope!.subject!);
    assert.deepEqual(subjects, generated.slice(0, 2).map((g) => g.subject));
    assert.equal(files('Projects').length, 2);
    assert.equal(files('INBOX').length, 21 - 2);
  });

  it('CONDSTORE: FETCH CHANGEDSINCE returns exactly what another connection changed', async () => {
    const a = await client();
    assert.ok(a.capabilities.has('CONDSTORE'), 'CONDSTORE is advertised');
    const box = await a.mailboxOpen('INBOX');
    assert.ok(box.highestModseq, 'SELECT reports HIGHESTMODSEQ');
    const since = box.highestModseq!;
    const b = await client();
    await b.mailboxOpen('INBOX');
    await b.messageFlagsAdd('3,5', ['\\Flagged', '$Important']);
    await b.messageFlagsRemove('4', ['\\Seen']);
    const changed: { seq: number; flags: string[]; modseq: bigint }[] = [];
    for await (const m of a.fetch('1:*', { flags: true, uid: true }, { changedSince: since })) changed.push({ seq: m.seq, flags: [...(m.flags ?? [])].sort(), modseq: m.modseq! });
    assert.deepEqual(changed.map((m) => m.seq).sort(), [3, 4, 5]);
    for (const m of changed) assert.ok(m.modseq > since, `MODSEQ of ${m.seq} went up`);
    assert.ok(changed.find((m) => m.seq === 3)!.flags.includes('\\Flagged'));
    assert.ok(changed.find((m) => m.seq === 3)!.flags.includes('$Important'));
    assert.ok(!changed.find((m) => m.seq === 4)!.flags.includes('\\Seen'));
  });

  it('QRESYNC: reconnecting with the old UIDVALIDITY/MODSEQ gets VANISHED and the changed flags', async () => {
    const a = await client({ qresync: true });
    assert.ok(a.capabilities.has('QRESYNC'), 'QRESYNC is advertised');
    const box = await a.mailboxOpen('INBOX');
    const known = { uidValidity: box.uidValidity, modseq: box.highestModseq! };
    const uids: number[] = [];
    for await (const m of a.fetch('1:*', { uid: true })) uids.push(m.uid);
    await a.logout();
    // Another connection expunges one message and flags another.
    const b = await client();
    await b.mailboxOpen('INBOX');
    await b.messageFlagsAdd(`${uids[7]}`, ['\\Answered'], { uid: true });
    await b.messageDelete(`${uids[9]}`, { uid: true });
    await b.logout();
    const c = await client({ qresync: true });
    const vanished: number[] = [];
    const flagged: number[] = [];
    c.on('expunge', (e: { uid?: number; vanished?: boolean }) => e.uid && vanished.push(e.uid));
    c.on('flags', (f: { uid?: number }) => f.uid && flagged.push(f.uid));
    const reopened = await c.mailboxOpen('INBOX', { uidValidity: known.uidValidity, changedSince: known.modseq });
    assert.equal((reopened as { qresync?: boolean }).qresync, true, 'the server accepted SELECT (QRESYNC ...)');
    // Exactly one of the UIDs the client knew is gone. UIDs expunged before
    // the known MODSEQ (the two moved out above) may be repeated: RFC 7162
    // lets a server that does not keep every expunge's MODSEQ over-report
    // (Dovecot is exact), and a client ignores UIDs it does not have.
    assert.deepEqual(vanished.filter((u) => uids.includes(u)), [uids[9]]);
    assert.ok(flagged.includes(uids[7]!), `FETCH for the flagged UID ${uids[7]} during SELECT (got ${flagged})`);
    assert.ok(!flagged.includes(uids[0]!), 'unchanged messages are not reported');
  });
});

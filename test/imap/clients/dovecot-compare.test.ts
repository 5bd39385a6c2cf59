// The same generated Maildir (two identical copies) served by Dovecot and by
// mailroom, the same commands sent to both, the answers compared after
// normalising what legitimately differs (normalise.ts). Every disagreement
// is a failing test naming the command and the first differing lines.
// With MAILROOM_IMAP_TARGET=dovecot both sides are Dovecot: the harness and
// the normalisation are proven on a pair that must agree.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawImap } from '../../../bench/imap-client.js';
import { haveDovecotImap } from '../../helpers/dovecot-imap.js';
import { generateMaildir, SUBJECT_WORDS } from '../../helpers/maildir-gen.js';
import { canonical } from './normalise.js';
import { startTarget, TARGET, type ImapTarget } from './server.js';

const FOLDERS = { INBOX: 300, Sent: 12, 'Archive.2026': 8, 'Entwürfe': 3 };
const populate = (m: string) => void generateMaildir(m, { folders: FOLDERS, seed: 1234, attachmentScale: 0.3 });

/** The commands, in order, on one connection (after LOGIN). BODY.PEEK: no \Seen side effects to compare. */
const COMMANDS: string[] = [
  'LIST "" "*"',
  'STATUS INBOX (MESSAGES UIDNEXT UNSEEN)',
  'SELECT INBOX',
  'FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE)',
  'FETCH 1:* (UID INTERNALDATE)',
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 33].map((n) => `FETCH ${n} BODYSTRUCTURE`),
  'FETCH 1:* BODYSTRUCTURE',
  'FETCH 1:* BODY',
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 33].map((n) => `FETCH ${n} BODY.PEEK[1.2.MIME]`),
  'FETCH 1:40 BODY.PEEK[1.MIME]',
  'FETCH 1:40 BODY.PEEK[2]',
  'FETCH 1:40 BODY.PEEK[HEADER.FIELDS (SUBJECT FROM MESSAGE-ID)]',
  'FETCH 1:40 BODY.PEEK[TEXT]<0.200>',
  'FETCH 1:40 RFC822.HEADER',
  ...SUBJECT_WORDS.slice(0, 4).map((w) => `UID SEARCH SUBJECT ${w}`),
  'UID SEARCH SUBJECT "#1"',
  'UID SEARCH FROM "Fritz"',
  'UID SEARCH FROM "example.org"',
  'UID SEARCH TO "grace"',
  'UID SEARCH SINCE 1-Jun-2025',
  'UID SEARCH BEFORE 1-Mar-2025 SEEN',
  'UID SEARCH SENTSINCE 1-Jun-2025',
  'UID SEARCH LARGER 50000',
  'UID SEARCH SMALLER 3000',
  'UID SEARCH UNSEEN',
  'UID SEARCH FLAGGED NOT ANSWERED',
  'UID SEARCH OR SUBJECT budget FROM Alice',
  'UID SEARCH HEADER Message-ID "gen.7."',
  'UID SEARCH BODY "lazy"',
  'UID SEARCH 10:20 NOT SEEN',
  'STATUS Sent (MESSAGES UIDNEXT UNSEEN)',
  'STATUS Archive.2026 (MESSAGES UIDNEXT UNSEEN)',
  'STATUS "Entw&APw-rfe" (MESSAGES UIDNEXT UNSEEN)',
  'EXAMINE Sent',
  'FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE)',
];

async function answers(t: ImapTarget): Promise<Buffer[]> {
  const c = await RawImap.open(t.port);
  try {
    await c.login(t.user, t.password);
    const out: Buffer[] = [];
    for (const cmd of COMMANDS) out.push((await c.command(cmd, { keep: true, timeoutMs: 60_000 })).text!);
    await c.command('LOGOUT');
    return out;
  } finally {
    c.close();
  }
}

/** Lines only one side has (the two lists are sorted canonical forms). */
function difference(ref: string[], ours: string[]): { missing: string[]; extra: string[] } {
  const count = (l: string[]) => l.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const r = count(ref);
  const o = count(ours);
  const missing = ref.filter((x) => (o.get(x) ?? 0) < (r.get(x) ?? 0));
  const extra = ours.filter((x) => (r.get(x) ?? 0) < (o.get(x) ?? 0));
  return { missing: [...new Set(missing)], extra: [...new Set(extra)] };
}

describe(`Dovecot and ${TARGET} give the same answers over the same Maildir`, { skip: !haveDovecotImap && 'dovecot-imapd not installed' }, () => {
  let ref: ImapTarget;
  let ours: ImapTarget;
  let refAnswers: Buffer[] = [];
  let ourAnswers: Buffer[] = [];
  let startError: Error | undefined;

  before(async () => {
    // Dovecot configured as mailroom behaves: Sent, Drafts, Trash and Junk
    // made at login with their special-use attributes.
    ref = await startTarget({ kind: 'dovecot', populate, specialUse: true });
    refAnswers = await answers(ref);
    try {
      ours = await startTarget({ populate, specialUse: true });
      ourAnswers = await answers(ours);
    } catch (err) {
      startError = err as Error;
    }
  });
  after(async () => {
    await ref?.stop();
    await ours?.stop();
  });

  COMMANDS.forEach((cmd, k) => {
    it(cmd, () => {
      if (startError) throw startError;
      const a = canonical(refAnswers[k]!);
      const b = canonical(ourAnswers[k]!);
      assert.ok(a.length > 0 && /^TAG OK/.test(a[a.length - 1]!), `Dovecot itself did not answer OK: ${a.slice(-1)}`);
      const d = difference(a, b);
      if (d.missing.length || d.extra.length) {
        const show = (l: string[]) => l.slice(0, 4).map((x) => `    ${x.length > 600 ? `${x.slice(0, 600)}…` : x}`).join('\n');
        assert.fail(`${cmd}: ${d.missing.length} line(s) only from Dovecot, ${d.extra.length} only from ${TARGET}\n  Dovecot:\n${show(d.missing)}\n  ${TARGET}:\n${show(d.extra)}`);
      }
    });
  });
});

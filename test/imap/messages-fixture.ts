// Fixture messages for the message-command tests and a real folder store
// holding them: a Maildir written in the standard layout, opened through the
// Maildir++ folder store, with a session view around INBOX (fake-session.ts).
import { mkdtempSync, rmSync, utimesSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openUserStore } from '../../src/mailbox/folder-store.js';
import type { Folder, UserStore } from '../../src/mailbox/folders.js';
import { writeMaildir } from '../mailbox/fixture.js';
import { fakeSession, makeView, type FakeSession, type FakeView } from './fake-session.js';

export function msg(headers: Record<string, string>, body: string): string {
  return Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n') + '\r\n\r\n' + body;
}

export const FIXTURES = [
  msg({ From: 'Alice Example <alice@example.com>', To: 'bob@test.example', Subject: 'Quarterly report', Date: 'Tue, 14 Nov 2023 22:13:20 +0000', 'Message-ID': '<a1@example.com>' }, 'The numbers are in.\r\nRegards\r\n'),
  msg({ From: 'carol@example.org', To: 'bob@test.example', Cc: 'dave@example.net', Subject: '=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=', Date: 'Wed, 15 Nov 2023 01:30:00 +0100', 'X-Tag': 'green' }, 'Hallo Bob, viele Grüße.\r\n'),
  msg(
    { From: 'Eve <eve@example.com>', To: 'bob@test.example', Bcc: 'secret@example.com', Subject: 'Pictures', Date: 'Thu, 16 Nov 2023 08:00:00 -0500', 'MIME-Version': '1.0', 'Content-Type': 'multipart/mixed; boundary="XX"' },
    '--XX\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee the attached holiday photo.\r\n--XX\r\nContent-Type: image/png; name="a.png"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--XX--\r\n',
  ),
  msg({ From: 'alice@example.com', To: 'team@test.example', Subject: 'Re: Quarterly report' }, 'No date header here; a longer body. '.repeat(40) + '\r\n'),
];

export interface Fixture {
  dir: string;
  store: UserStore;
  inbox: Folder;
  archive: Folder;
  view: FakeView;
  ctx: FakeSession;
  /** The path of a message file in INBOX (to remove it as another client would). */
  fileOf(uid: number): string;
}

const dirs: string[] = [];

/** Removes every fixture directory (call from after()). */
export function removeFixtures(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/**
 * INBOX with the four fixtures at UIDs 1, 2, 5, 6 (3 and 4 expunged):
 * #1 \Seen, #2 \Flagged \Answered, #3 \Deleted $Work, #4 \Draft; INTERNALDATE
 * noon UTC of Nov 14, 15, 16 and 20, 2023; an empty Archive folder.
 * `bulk` replaces the fixtures with that many small messages.
 */
export async function openFixture(opts: { readOnly?: boolean; enabled?: string[]; recent?: number[]; bulk?: number } = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'imap-msgs-unit-'));
  dirs.push(dir);
  const filler = msg({ Subject: 'filler' }, 'x\r\n');
  const contents = opts.bulk ? Array.from({ length: opts.bulk }, (_, i) => `Subject: ${i}\r\n\r\nbody ${i}\r\n`) : [FIXTURES[0]!, FIXTURES[1]!, filler, filler, FIXTURES[2]!, FIXTURES[3]!];
  const flags = opts.bulk ? [] : ['S', 'FR', 'T', 'T', 'T', 'D'];
  const days = [14, 15, 15, 15, 16, 20];
  const bases = writeMaildir(dir, 'alice', contents.map((content, i) => ({ content, folder: 'cur' as const, flags: flags[i] ?? '' })));
  if (!opts.bulk) {
    bases.forEach((base, i) => {
      const t = Date.UTC(2023, 10, days[i]!, 12) / 1000;
      utimesSync(join(dir, 'alice', 'cur', `${base}:2,${flags[i]}`), t, t);
    });
  }
  const store = openUserStore(dir, 'alice');
  await store.create('Archive');
  const inbox = await store.open('INBOX');
  await inbox.sync();
  if (!opts.bulk) {
    await inbox.store([5], 'add', ['$Work']);
    await inbox.expunge([3, 4]);
    await inbox.sync();
  }
  const archive = await store.open('Archive');
  const view = makeView(inbox, { recent: opts.recent ?? [6], readOnly: opts.readOnly ?? false });
  const ctx = fakeSession(store, view, opts.enabled);
  const fileOf = (uid: number) => {
    const base = inbox.current().messages.find((m) => m.uid === uid)!.base;
    return join(dir, 'alice', 'cur', readdirSync(join(dir, 'alice', 'cur')).find((n) => n.startsWith(base))!);
  };
  return { dir, store, inbox, archive, view, ctx, fileOf };
}

/** The folder's snapshot after a sync (the store publishes its own changes on the next sync). */
export async function fresh(folder: Folder) {
  await folder.sync();
  return folder.current();
}

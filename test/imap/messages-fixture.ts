// Fixture messages for the message-command tests (CRLF, as the folder store
// returns them) and a helper that fills a folder with them.
import type { MemoryFolder } from './memory-folder.js';

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

/** Adds the fixtures: #1 \Seen, #2 \Flagged \Answered, #3 \Deleted $Work, #4 \Draft; UIDs 1, 2, 5, 6. */
export function fillFolder(f: MemoryFolder): void {
  f.add(FIXTURES[0]!, ['\\Seen'], Date.UTC(2023, 10, 14, 12));
  f.add(FIXTURES[1]!, ['\\Flagged', '\\Answered'], Date.UTC(2023, 10, 15, 12));
  f.add(FIXTURES[2]!, ['\\Deleted', '$Work'], Date.UTC(2023, 10, 16, 12), 2);
  f.add(FIXTURES[3]!, ['\\Draft'], Date.UTC(2023, 10, 20, 12));
}

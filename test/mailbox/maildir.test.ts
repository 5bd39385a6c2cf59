// The mailbox store over a Maildir written in the standard layout: listing,
// ids, flags, sizes, renames and removals by others, and the POP3 wire encoder.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openMailbox } from '../../src/mailbox/maildir.js';
import { parseMaildirName, uidlOf } from '../../src/mailbox/names.js';
import { WireEncoder } from '../../src/pop3/wire.js';
import { mailroom, sandbox, type Sandbox } from '../helpers/env.js';
import { message, writeMaildir } from './fixture.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-maildir-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Maildir names', () => {
  it('splits base, flags and size hints', () => {
    assert.deepEqual(parseMaildirName('1700000000.M1P2Q3.host,S=120,W=124:2,SR'), { base: '1700000000.M1P2Q3.host,S=120,W=124', flags: 'RS', sizeHint: 120, wireSizeHint: 124 });
    assert.deepEqual(parseMaildirName('1700000000.M1P2Q3.host'), { base: '1700000000.M1P2Q3.host', flags: '' });
    assert.equal(uidlOf('1700000000.M1P2Q3.host,S=12'), '1700000000.M1P2Q3.host,S=12');
    assert.match(uidlOf(`1700000000.M1P2Q3.${'h'.repeat(80)}`), /^[0-9a-f]{32}$/);
  });
});

describe('Maildir store', () => {
  it('lists new/ and cur/ in delivery order with CRLF sizes and flags; a missing mailbox is empty', async () => {
    const bases = writeMaildir(dir, 'u1', [
      { content: message('a', ['x']) },
      { content: message('b', ['y']), folder: 'cur', flags: 'SR' },
      { content: 'Subject: lf\n\nbody\n', noSize: true },
    ]);
    writeFileSync(join(dir, 'u1/tmp/half-written'), 'partial');
    writeFileSync(join(dir, 'u1/cur/.dovecot.index'), 'not a message');
    const list = await openMailbox(dir, 'u1').list();
    assert.deepEqual(list.map((e) => e.base), bases);
    assert.deepEqual(list.map((e) => e.flags), ['', 'RS', '']);
    assert.equal(list[2]!.size, 'Subject: lf\r\n\r\nbody\r\n'.length);
    assert.equal(list[0]!.size, Buffer.byteLength(message('a', ['x'])));
    assert.deepEqual(await openMailbox(dir, 'nobody-here').list(), []);
  });

  it('follows a message renamed by another reader and reports one deleted meanwhile', async () => {
    writeMaildir(dir, 'u2', [{ content: message('a', ['x']) }, { content: message('b', ['y']) }]);
    const store = openMailbox(dir, 'u2');
    const [a, b] = await store.list();
    renameSync(join(dir, 'u2', a!.path), join(dir, 'u2/cur', `${a!.base}:2,F`));
    const fh = await store.open(a!);
    assert.ok(fh);
    await fh.close();
    assert.equal(a!.path, `cur/${a!.base}:2,F`);
    unlinkSync(join(dir, 'u2', b!.path));
    assert.equal(await store.open(b!), undefined);
    assert.equal(await store.setFlags(b!, 'S'), false);
    assert.ok(await store.setFlags(a!, 'FS'));
    assert.deepEqual(readdirSync(join(dir, 'u2/cur')), [`${a!.base}:2,FS`]);
    await store.remove([a!, b!]);
    assert.deepEqual(await store.list(), []);
  });
});

describe('POP3 wire encoding', () => {
  const encode = (chunks: string[], lines?: number) => {
    const enc = new WireEncoder(lines);
    return Buffer.concat([...chunks.map((c) => enc.encode(Buffer.from(c))), enc.finish()]).toString();
  };
  it('doubles leading dots, turns bare LF into CRLF, keeps lone CR, across chunk borders', () => {
    assert.equal(encode(['a\r\n.b\r\n', '.c\n', 'd\re\n', '.']), 'a\r\n..b\r\n..c\r\nd\re\r\n..\r\n.\r\n');
    assert.equal(encode(['x\r', '\n.y\r\n']), 'x\r\n..y\r\n.\r\n');
    assert.equal(encode([]), '.\r\n');
  });
  it('cuts after the header and N body lines for TOP', () => {
    const msg = 'A: 1\r\nB: 2\r\n\r\nl1\r\n.l2\r\nl3\r\n';
    assert.equal(encode([msg], 0), 'A: 1\r\nB: 2\r\n\r\n.\r\n');
    assert.equal(encode([msg.slice(0, 9), msg.slice(9)], 2), 'A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\n.\r\n');
    assert.equal(encode([msg], 99), msg.replace('.l2', '..l2') + '.\r\n');
  });
});

describe('mailroom mail (console)', () => {
  let sb: Sandbox;
  before(() => {
    sb = sandbox();
    writeFileSync(sb.config, `\nlocal:\n  mailboxes: ${join(sb.dir, 'mail')}\n`, { flag: 'a' });
    const mime = [
      'From: =?UTF-8?Q?Z=C3=BCrich_Ops?= <ops@example.com>',
      'To: root@test.example',
      'Subject: =?UTF-8?B?w5xiZXJzaWNodA==?=',
      'Date: Tue, 14 Nov 2023 22:13:20 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="XX"',
      '',
      '--XX',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Gr=FC=DFe aus Z=FCrich',
      '--XX',
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Disposition: attachment; filename="report.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 fake').toString('base64'),
      '--XX--',
      '',
    ].join('\r\n');
    writeMaildir(join(sb.dir, 'mail'), 'root', [{ content: message('cron output', ['all good']) }, { content: mime }]);
  });
  after(() => sb.cleanup());

  it('lists, reads decoded (charset, attachment names) and deletes', async () => {
    const list = await mailroom(sb, ['mail', 'root']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /1 +2023-11-14 22:13 +Alice +cron output +\d+ +N/);
    assert.match(list.stdout, /2 +2023-11-14 22:13 +Zürich Ops +Übersicht/);
    const read = await mailroom(sb, ['mail', 'read', '2', '--user', 'root']);
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /Subject: Übersicht/);
    assert.match(read.stdout, /Grüße aus Zürich/);
    assert.match(read.stdout, /\[attachment: report\.pdf application\/pdf/);
    assert.match((await mailroom(sb, ['mail', 'root'])).stdout, /Übersicht +\d+ +S$/m);
    assert.equal((await mailroom(sb, ['mail', 'delete', '1', '--user', 'root'])).code, 0);
    const after1 = await mailroom(sb, ['mail', 'root']);
    assert.doesNotMatch(after1.stdout, /cron output/);
    const missing = await mailroom(sb, ['mail', 'read', '5', '--user', 'root']);
    assert.equal(missing.code, 66);
  });
});

it('messages delivered within one second are listed in delivery order (microseconds compared as numbers)', async () => {
  const { mkdirSync } = await import('node:fs');
  const { Maildir } = await import('../../src/mailbox/maildir.js');
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-order-'));
  try {
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(dir, d));
    // M98765 was delivered before M123456 in the same second.
    writeFileSync(join(dir, 'new', '1764220000.M123456P10Q2.host,S=6'), 'later\n');
    writeFileSync(join(dir, 'new', '1764220000.M98765P10Q1.host,S=6'), 'first\n');
    const list = await new Maildir(dir).list();
    assert.deepEqual(list.map((m) => m.uidl.split('.')[1]), ['M98765P10Q1', 'M123456P10Q2']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

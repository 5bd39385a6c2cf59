// The commit journal's records as the addon writes them and the daemon reads
// them back (native/syncfs/journal.c and src/spool/journal-format.ts agree on
// the layout and the CRC), and where reading stops.
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { crc32, decodeHeader, decodeRecords, encodeHeader, JOURNAL_START } from '../../src/spool/journal-format.js';
import { loadSpoolNative, type CommitMessage } from '../../src/spool/syncfs.js';
import { sandbox, type Sandbox } from '../helpers/env.js';

let sb: Sandbox;
before(() => {
  sb = sandbox();
  for (const d of ['data', 'tmp', 'incoming']) mkdirSync(join(sb.dir, d), { recursive: true });
});
after(() => sb.cleanup());

test('crc32 is zlib\'s', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.alloc(0)), 0);
});

test('a header reads back; a damaged one does not', () => {
  const h = encodeHeader({ generation: 7, bootId: 'b5d1c0de-0000-4000-8000-000000000001' });
  assert.deepEqual(decodeHeader(h), { generation: 7, bootId: 'b5d1c0de-0000-4000-8000-000000000001' });
  h[9] ^= 1;
  assert.equal(decodeHeader(h), undefined);
});

test('records written by the committer read back until the first damaged one', { skip: !loadSpoolNative() && 'needs the addon' }, async () => {
  const file = join(sb.dir, 'journal');
  writeFileSync(file, Buffer.alloc(1024 * 1024));
  const fd = openSync(file, 'r+');
  const dirFd = openSync(sb.dir, 'r');
  const msg = (n: number): CommitMessage => [
    join(sb.dir, 'data', `${n}.eml`),
    Buffer.from(`Subject: ${n}\r\n\r\n${'x'.repeat(100 * n)}\r\n`),
    join(sb.dir, 'tmp', `${n}.env`),
    Buffer.from(`{"id":"${n}"}`),
    join(sb.dir, 'incoming', `${n}.env`),
  ];
  const c = loadSpoolNative()!.openCommitter(dirFd, { fd, generation: 3, capacity: 1024 * 1024, bootId: 'test' });
  const results = await Promise.all([1, 2, 3].map((n) => c.add(msg(n))));
  c.close(); // a checkpoint: generation 4, the records' bytes stay
  closeSync(fd);
  closeSync(dirFd);
  assert.deepEqual(results, [0, 0, 0]);
  const j = readFileSync(file);
  assert.equal(decodeHeader(j)?.generation, 4, 'close made a checkpoint');
  assert.deepEqual(decodeRecords(j, 4), []);
  const records = decodeRecords(j, 3);
  assert.deepEqual(
    records.map((r) => [r.name, r.envelope.toString(), r.data.toString()]),
    [1, 2, 3].map((n) => [`incoming/${n}.env`, msg(n)[3].toString(), msg(n)[1].toString()]),
  );
  // a torn second record: the third is not read either
  const second = JOURNAL_START + 32 + records[0]!.name.length + records[0]!.envelope.length + records[0]!.data.length;
  j[second + 40] ^= 0xff;
  assert.equal(decodeRecords(j, 3).length, 1);
});

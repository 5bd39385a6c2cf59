// Line endings and header reads of message files: LF <-> CRLF conversion
// (mixed endings, CR alone, an LF at the very start), the header block found
// across read chunks, a message without a body, and unique names in order.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { compareBases } from '../../src/mailbox/maildir.js';
import { headerEnd, readHead, toCrlf, toCrlfJs, toLf, uniqueName } from '../../src/mailbox/message-file.js';
import { nativeAddon } from '../../src/shared/native-addon.js';
import { crlfSizeOf } from '../../src/mailbox/size.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-msgfile-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

it('converts line endings both ways, leaving CRLF and lone CR alone (the addon and the JavaScript fallback alike)', () => {
  const cases = ['', 'no newline', '\n', 'a\nb\n', 'a\r\nb\n', '\n\nx', 'cr\ronly\r\n', 'mixed\r\n\nend', '\r\n', '\r', 'x\r\r\n\n\r'];
  for (const convert of [toCrlf, toCrlfJs]) {
    for (const c of cases) {
      const crlf = convert(Buffer.from(c)).toString();
      assert.equal(crlf, c.replace(/\r?\n/g, '\r\n'), JSON.stringify(c));
      assert.equal(crlf.length, crlfSizeOf(Buffer.from(c)));
      assert.equal(toLf(Buffer.from(crlf)).toString(), c.replace(/\r\n/g, '\n'), JSON.stringify(c));
    }
    const same = Buffer.from('already\r\nCRLF\r\n');
    assert.equal(convert(same), same); // nothing to do: no copy
  }
});

it('the addon converts as the JavaScript does, on random octets with many CRs and LFs', { skip: nativeAddon() ? false : 'the addon is not built' }, () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 200; i++) {
    const buf = Buffer.alloc(Math.floor(rand() * 3000));
    for (let k = 0; k < buf.length; k++) buf[k] = rand() < 0.1 ? 10 : rand() < 0.1 ? 13 : Math.floor(rand() * 256);
    assert.deepEqual(toCrlf(buf), toCrlfJs(buf));
  }
});

it('finds the end of the header in LF and CRLF files, across read chunks, or takes the whole file', () => {
  assert.equal(headerEnd(Buffer.from('A: b\n\nbody')), 6);
  assert.equal(headerEnd(Buffer.from('A: b\r\n\r\nbody')), 8);
  assert.equal(headerEnd(Buffer.from('\nbody')), 1);
  assert.equal(headerEnd(Buffer.from('A: b\nC: d\n')), -1);
  const long = `X-Long: ${'x'.repeat(16 * 1024 - 9)}\n`; // the blank line straddles the first 16 KiB read
  const file = join(dir, 'straddle');
  writeFileSync(file, `${long}\nbody\n`);
  assert.equal(readHead(file).toString(), `${long}\n`);
  writeFileSync(join(dir, 'headonly'), 'Subject: no body\n');
  assert.equal(toCrlf(readHead(join(dir, 'headonly'))).toString(), 'Subject: no body\r\n');
});

it('makes unique names that sort in the order they were made, with both sizes', () => {
  const names = Array.from({ length: 50 }, (_, i) => uniqueName(i, i + 1));
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual([...names].sort(compareBases), names);
  assert.match(names[3]!, /^\d+\.M\d+P\d+Q\d+\.[^/:]+,S=3,W=4$/);
});

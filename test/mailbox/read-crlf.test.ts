// readCrlf (message-file.ts): whole files with CRLF line endings through a
// reused read buffer: results never share it, large files and files that
// already have CRLF come back whole.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readCrlf } from '../../src/mailbox/message-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mailroom-crlf-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('results stay intact after later reads reuse the buffer', () => {
  const files = ['a\nb\n', 'x\r\ny\r\n', '', 'no newline', '\n\nlead\r\n\nmix\n'].map((c, i) => {
    writeFileSync(join(dir, `f${i}`), c);
    return c;
  });
  const got = files.map((_, i) => readCrlf(join(dir, `f${i}`)));
  assert.deepEqual(
    got.map((b) => b.toString()),
    ['a\r\nb\r\n', 'x\r\ny\r\n', '', 'no newline', '\r\n\r\nlead\r\n\r\nmix\r\n'],
  );
});

test('files larger than the reused buffer', () => {
  for (const size of [300 * 1024, 3 * 1024 * 1024]) {
    const line = `${'z'.repeat(75)}\n`;
    const content = line.repeat(Math.ceil(size / line.length));
    writeFileSync(join(dir, 'big'), content);
    const got = readCrlf(join(dir, 'big'));
    assert.equal(got.length, content.length + content.length / line.length);
    assert.equal(got.toString(), content.replaceAll('\n', '\r\n'));
  }
});

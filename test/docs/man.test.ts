// The documentation renders and the shipped configuration files are valid:
// every man page passes `groff -man -ww -z` silently, etc/dev.yaml passes
// `mailroom config check` as is, and etc/mailroom.yaml has a valid shape (its
// referenced files live under /etc/mailroom and need not exist here).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readConfigFile, validateConfig } from '../../src/config/load.js';
import { BIN, ROOT, run } from '../helpers/env.js';

const PAGES = ['sendmail.8', 'mailroom.8', 'mailroom.yaml.5', 'mailroom-spool.5', 'mailroom-frontend.5'];
const tmp = mkdtempSync(join(tmpdir(), 'mailroom-docs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

for (const page of PAGES) {
  test(`man/${page} renders without groff warnings`, async () => {
    const r = await run('groff', ['-man', '-ww', '-z', join(ROOT, 'man', page)]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
  });
}

test('etc/dev.yaml passes mailroom config check', async () => {
  const r = await run(join(BIN, 'mailroom'), ['config', 'check', '--config', join(ROOT, 'etc/dev.yaml')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /dev\.yaml: ok/);
});

test('etc/mailroom.yaml validates (every key of the example is accepted)', async () => {
  const file = join(ROOT, 'etc/mailroom.yaml');
  const config = validateConfig(await readConfigFile(file), file);
  assert.equal(config.relay.mode, 'smarthost');
  assert.equal(config.maxMessageSize, 25 * 1024 * 1024);
  assert.deepEqual(config.relay.retry, [5, 10, 30, 60, 120, 240].map((m) => m * 60_000));
});

test('etc/mailroom.yaml: config check finds nothing but files missing on this machine', async () => {
  // A copy, so the submit cache is not written into etc/.
  const copy = join(tmp, 'mailroom.yaml');
  copyFileSync(join(ROOT, 'etc/mailroom.yaml'), copy);
  const r = await run(join(BIN, 'mailroom'), ['config', 'check', '--config', copy]);
  const problems = r.stderr.split('\n').filter((l) => /^ {2}\S/.test(l));
  for (const p of problems) assert.match(p, /does not exist$/);
  assert.ok(r.code === 0 || (r.code === 78 && problems.length > 0), r.stderr);
});

test('README names the test command and keeps the Benchmarks section', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.match(readme, /npm ci && npm test/);
  assert.match(readme, /^## Benchmarks$/m);
});

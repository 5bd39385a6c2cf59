// The shipped systemd unit passes `systemd-analyze verify`, and its exposure
// score is reported; log lines take journald's form when stderr is the journal.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../src/shared/log.js';
import { ROOT } from '../helpers/env.js';

const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;

test('etc/mailroom.service: systemd-analyze verify is clean', { skip: analyze ? false : 'systemd-analyze is not installed' }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The unit names the installed /usr/bin/mailroom; verify checks that the
  // binary exists, so point it at one that does here.
  const unit = readFileSync(join(ROOT, 'etc/mailroom.service'), 'utf8').replace(/\/usr\/bin\/mailroom/g, join(ROOT, 'bin/mailroom'));
  writeFileSync(join(dir, 'mailroom.service'), unit);
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'mailroom.service')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'no warnings');
  const sec = spawnSync('systemd-analyze', ['security', '--offline=yes', join(dir, 'mailroom.service')], { encoding: 'utf8' });
  const score = /Overall exposure level for mailroom\.service: ([\d.]+)/.exec(sec.stdout + sec.stderr);
  assert.ok(score, sec.stdout + sec.stderr);
  t.diagnostic(`systemd-analyze security: exposure ${score[1]}`);
  assert.ok(Number(score[1]) <= 5, `exposure ${score[1]} (OK is at most 5)`);
  assert.match(unit, /^Type=notify$/m);
  assert.match(unit, /^ExecReload=.*-HUP/m);
  assert.match(unit, /^CapabilityBoundingSet=/m);
});

test('log lines under journald: a <N> priority prefix and no time stamp', () => {
  const lines: string[] = [];
  const log = createLogger('debug', (l) => lines.push(l), true);
  log.event('01ABC', 'queued', { from: '<a@b>' });
  log.warn('careful');
  log.error('broken');
  log.debug('detail');
  assert.deepEqual(lines, ['<6>01ABC: queued from=<a@b>\n', '<4>warn: careful\n', '<3>error: broken\n', '<7>debug: detail\n']);
  const plain: string[] = [];
  createLogger('info', (l) => plain.push(l), false).info('hello');
  assert.match(plain[0]!, /^\d{4}-\d\d-\d\dT.* mailroom\[\d+\]: hello\n$/);
});

test('a daemon started without systemd writes time-stamped lines (JOURNAL_STREAM names another file)', () => {
  const out = execFileSync(process.execPath, ['-e', `import(${JSON.stringify(join(ROOT, 'dist/src/shared/log.js'))}).then(m => console.log(m.underJournald()))`], { env: { ...process.env, JOURNAL_STREAM: '1:2' }, encoding: 'utf8' });
  assert.equal(out.trim(), 'false');
});

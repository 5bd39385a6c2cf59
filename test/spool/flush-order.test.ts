// The spool's commit must end with a flush of the disk's cache *after* the
// syncfs: on a file system without a journal (ext4 without has_journal, as on
// this project's VM) syncfs flushes before its last inode-table writes. With
// the commit journal, a batch is its records and one fdatasync of the journal;
// a checkpoint is that syncfs and flush, and only then the journal's new
// header, flushed in its turn. Checked on the system calls the addon makes,
// under strace(1).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadSpoolNative } from '../../src/spool/syncfs.js';
import { ROOT, sandbox, type Sandbox } from '../helpers/env.js';

let sb: Sandbox;
before(() => {
  sb = sandbox();
  mkdirSync(join(sb.dir, 'box'));
});
after(() => sb.cleanup());

// Commits one message with the committer and one with commit(), printing the
// directory's descriptor; strace prints the calls.
const SCRIPT = `
const native = require(${JSON.stringify(join(ROOT, 'native/syncfs'))});
const fs = require('node:fs');
const dir = process.argv[1];
const fd = fs.openSync(dir, 'r');
const msg = (n) => [dir + '/' + n + '.eml', Buffer.from('data'), dir + '/' + n + '.tmp', Buffer.from('env'), dir + '/' + n + '.env'];
(async () => {
  const c = native.openCommitter(fd);
  const a = await c.add(msg('a'));
  c.close();
  const b = await native.commit([msg('b')], fd);
  console.log('FD=' + fd + ' RESULTS=' + a + ',' + b.join(','));
})();
`;

// The committer with a journal: one message, then close (a checkpoint).
const JOURNAL_SCRIPT = `
const native = require(${JSON.stringify(join(ROOT, 'native/syncfs'))});
const fs = require('node:fs');
const dir = process.argv[1];
const fd = fs.openSync(dir, 'r');
const jfd = fs.openSync(dir + '/journal', 'r+');
const c = native.openCommitter(fd, { fd: jfd, generation: 1, capacity: 1 << 20, bootId: 'test' });
c.add([dir + '/j.eml', Buffer.from('data'), dir + '/j.tmp', Buffer.from('env'), dir + '/j.env']).then((r) => {
  console.log('MARK ' + r);
  c.close();
  console.log('FD=' + fd + ' JFD=' + jfd);
});
`;

/** The listed calls that returned 0, as "name(fd)", and the MARK line as "MARK". */
function calls(stderr: string, names: string[]): string[] {
  const re = new RegExp(`\\b(${names.join('|')})\\((\\d+)[,)].*= \\d+$`);
  return stderr
    .split('\n')
    .map((l) => (l.includes('write(1, "MARK') ? ['', 'MARK'] : re.exec(l)))
    .filter((x) => x !== null)
    .map((x) => (x[1] === 'MARK' ? 'MARK' : `${x[1]}(${x[2]})`));
}

const traced = spawnSync('strace', ['-V'], { encoding: 'utf8' }).status === 0;

test('each commit is a syncfs followed by a flush (fdatasync) of the same directory', { skip: !traced || !loadSpoolNative() ? 'needs strace and the addon' : false }, () => {
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=syncfs,fdatasync,fsync', process.execPath, '-e', SCRIPT, join(sb.dir, 'box')], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const m = /FD=(\d+) RESULTS=0,0/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const fd = m[1];
  const calls = r.stderr
    .split('\n')
    .map((l) => /\b(syncfs|fdatasync|fsync)\((\d+)\)\s+= 0/.exec(l))
    .filter((x) => x !== null)
    .map((x) => `${x[1]}(${x[2]})`);
  assert.deepEqual(calls, [`syncfs(${fd})`, `fdatasync(${fd})`, `syncfs(${fd})`, `fdatasync(${fd})`]);
});

test('with the journal, a batch is its record and one fdatasync of the journal; a checkpoint flushes the spool before the new header', { skip: !traced || !loadSpoolNative() ? 'needs strace and the addon' : false }, () => {
  const dir = join(sb.dir, 'jbox');
  mkdirSync(dir);
  writeFileSync(join(dir, 'journal'), Buffer.alloc(1 << 20));
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=syncfs,fdatasync,fsync,pwritev,write', '-e', 'signal=none', process.execPath, '-e', JOURNAL_SCRIPT, dir], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const m = /FD=(\d+) JFD=(\d+)/.exec(r.stdout);
  assert.ok(m && /MARK 0/.test(r.stdout), r.stdout);
  const [fd, jfd] = [m[1], m[2]];
  assert.deepEqual(calls(r.stderr, ['syncfs', 'fdatasync', 'fsync', 'pwritev']), [
    `pwritev(${jfd})`, // the record
    `fdatasync(${jfd})`,
    'MARK', // the message is acknowledged
    `syncfs(${fd})`, // close: the checkpoint
    `fdatasync(${fd})`,
    `pwritev(${jfd})`, // the next generation's header
    `fdatasync(${jfd})`,
  ]);
});

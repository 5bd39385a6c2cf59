// The stat-keyed file cache: a value is kept while the file's inode, size and
// mtime stay the same and made again once they change; a failed load is not
// kept. Also the one /etc/passwd reader built on it.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileCache } from '../../src/shared/file-cache.js';
import { parsePasswd, systemAccount, userNameOf } from '../../src/shared/passwd.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-file-cache-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('FileCache', () => {
  it('loads once while the file is unchanged, again after a rewrite, a rename over it or a touch', () => {
    const f = join(dir, 'a');
    writeFileSync(f, 'one');
    const cache = new FileCache<string>();
    let loads = 0;
    const read = () => cache.get(f, statSync(f), () => `${++loads}`);
    assert.equal(read(), '1');
    assert.equal(read(), '1', 'unchanged: not loaded again');
    assert.equal(read(), '1');
    writeFileSync(f, 'three'); // another size
    assert.equal(read(), '2');
    assert.equal(read(), '2');
    writeFileSync(join(dir, 'a.new'), 'three');
    renameSync(join(dir, 'a.new'), f); // same size, another inode
    assert.equal(read(), '3');
    const t = new Date(Date.now() + 60_000);
    utimesSync(f, t, t); // same inode and size, another mtime
    assert.equal(read(), '4');
    assert.equal(read(), '4');
    assert.equal(loads, 4);
  });

  it('keeps entries apart by key, honours a stamp of its own, and starts again empty past max', () => {
    const f = join(dir, 'b');
    writeFileSync(f, 'x');
    const st = statSync(f);
    let loads = 0;
    const byMode = new FileCache<number>({ stamp: (s) => `${s.ino}:${s.mode}` });
    assert.equal(byMode.get('k1', st, () => ++loads), 1);
    assert.equal(byMode.get('k2', st, () => ++loads), 2);
    assert.equal(byMode.get('k1', st, () => ++loads), 1);
    assert.equal(byMode.get('k1', { ...st, mode: st.mode ^ 0o004 } as typeof st, () => ++loads), 3, 'the stamp decides');
    const small = new FileCache<number>({ max: 2 });
    small.get('a', st, () => 1);
    small.get('b', st, () => 2);
    small.get('c', st, () => 3); // clears, then keeps c
    assert.equal(small.get('a', st, () => 10), 10);
    assert.equal(small.get('c', st, () => 30), 3);
  });

  it('does not keep a failed load, synchronous or not', async () => {
    const f = join(dir, 'c');
    writeFileSync(f, 'x');
    const st = statSync(f);
    const cache = new FileCache<string>();
    assert.throws(() => cache.get(f, st, () => {
      throw new Error('EACCES');
    }));
    assert.equal(cache.get(f, st, () => 'ok'), 'ok');
    const later = new FileCache<string>();
    await assert.rejects(later.getAsync(f, st, async () => Promise.reject(new Error('EIO'))));
    assert.equal(await later.getAsync(f, st, async () => 'ok'), 'ok');
    assert.equal(await later.getAsync(f, st, async () => 'again'), 'ok');
  });
});

describe('passwd', () => {
  it('parses names, uids, the GECOS full name; skips NIS markers and short lines; the first entry wins', () => {
    const t = parsePasswd(
      ['root:x:0:0:root:/root:/bin/bash', 'Alice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/sh', 'alice2:x:1000:1000::/home/a2:/bin/sh', '+nis', 'short:x:5', 'bad:x:u:1::/:/bin/sh', ''].join('\n'),
    );
    assert.deepEqual([...t.byName.keys()], ['root', 'alice', 'alice2']);
    assert.equal(t.byName.get('alice')?.fullName, 'Alice Liddell');
    assert.equal(t.byName.get('alice')?.name, 'Alice');
    assert.equal(t.byUid.get(1000)?.name, 'Alice', 'getpwuid answers the first entry');
    assert.equal(t.byName.get('alice2')?.fullName, '');
  });

  it('reads a file, re-reads it once it changes; a missing file has no accounts', () => {
    const pw = join(dir, 'passwd');
    writeFileSync(pw, 'root:x:0:0:root:/root:/bin/sh\n');
    assert.equal(systemAccount('ROOT', pw)?.uid, 0);
    assert.equal(userNameOf(1001, pw), 'uid1001');
    writeFileSync(pw, 'root:x:0:0:root:/root:/bin/sh\ncarol:x:1001:1001:Carol:/home/carol:/bin/sh\n');
    assert.equal(userNameOf(1001, pw), 'carol');
    assert.equal(systemAccount('carol', pw)?.home, '/home/carol');
    assert.equal(systemAccount('root', join(dir, 'nope')), undefined);
  });
});

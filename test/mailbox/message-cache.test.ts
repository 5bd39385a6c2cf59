// The folder's message cache (message-cache.ts): values survive a new
// process (a new cache object on the same file), a damaged file or another
// UIDVALIDITY starts afresh, entries of expunged UIDs are not served.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CACHE_FILE, MessageCache } from '../../src/mailbox/message-cache.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-cache-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const all = () => true;

describe('message cache', () => {
  it('survives a restart: a new cache object reads what the last one appended', async () => {
    const d = mkdtempSync(join(dir, 'a-'));
    const a = new MessageCache(d, all);
    assert.equal(a.get(7, 1, 'env'), undefined);
    a.set(7, 1, 'env', '("x" "line\nwith LF and \\"quotes\\"")');
    a.set(7, 2, 'env', 'two');
    a.set(7, 2, 'bs', 'ümlaut');
    await a.flush();
    const b = new MessageCache(d, all);
    assert.equal(b.get(7, 1, 'env'), '("x" "line\nwith LF and \\"quotes\\"")');
    assert.equal(b.get(7, 2, 'bs'), 'ümlaut');
    assert.equal(b.get(7, 3, 'env'), undefined);
  });

  it('ignores a torn last line and rewrites the file without it', async () => {
    const d = mkdtempSync(join(dir, 't-'));
    const a = new MessageCache(d, all);
    a.set(3, 1, 'env', 'one');
    await a.flush();
    appendFileSync(join(d, CACHE_FILE), '2 env "tw');
    const b = new MessageCache(d, all);
    assert.equal(b.get(3, 1, 'env'), 'one');
    assert.equal(b.get(3, 2, 'env'), undefined);
    assert.ok(readFileSync(join(d, CACHE_FILE), 'utf8').endsWith('\n'));
    b.set(3, 2, 'env', 'two');
    await b.flush();
    assert.equal(new MessageCache(d, all).get(3, 2, 'env'), 'two');
  });

  it('starts afresh from a damaged file', async () => {
    const d = mkdtempSync(join(dir, 'd-'));
    writeFileSync(join(d, CACHE_FILE), 'mailroom-cache 1 V3\n1 env "one"\ngarbage here\n2 env "two"\n');
    const c = new MessageCache(d, all);
    assert.equal(c.get(3, 1, 'env'), undefined);
    assert.equal(c.get(3, 2, 'env'), undefined);
    assert.equal(readFileSync(join(d, CACHE_FILE), 'utf8'), 'mailroom-cache 1 V3\n');
    writeFileSync(join(d, CACHE_FILE), 'not a cache at all');
    assert.equal(new MessageCache(d, all).get(3, 1, 'env'), undefined);
  });

  it('serves nothing of another UIDVALIDITY, on disk or in memory', async () => {
    const d = mkdtempSync(join(dir, 'v-'));
    const a = new MessageCache(d, all);
    a.set(5, 1, 'env', 'old');
    await a.flush();
    assert.equal(new MessageCache(d, all).get(6, 1, 'env'), undefined);
    const b = new MessageCache(d, all);
    b.set(6, 1, 'env', 'new');
    assert.equal(b.get(7, 1, 'env'), undefined);
  });

  it('does not append to a file that another folder of the same path started (deleted and made anew)', async () => {
    const d = mkdtempSync(join(dir, 'n-'));
    const old = new MessageCache(d, all);
    old.set(4, 1, 'env', 'stale');
    const fresh = new MessageCache(d, all);
    fresh.set(5, 2, 'env', 'new');
    await fresh.flush();
    await old.flush();
    const text = readFileSync(join(d, CACHE_FILE), 'utf8');
    assert.equal(text, 'mailroom-cache 1 V5\n2 env "new"\n');
  });

  it('drops entries of expunged UIDs when it loads', async () => {
    const d = mkdtempSync(join(dir, 'x-'));
    const a = new MessageCache(d, all);
    for (let uid = 1; uid <= 300; uid++) a.set(9, uid, 'env', `v${uid}`);
    await a.flush();
    const live = (uid: number) => uid > 250;
    const b = new MessageCache(d, live);
    assert.equal(b.get(9, 2, 'env'), undefined);
    assert.equal(b.get(9, 251, 'env'), 'v251');
    // Mostly dead entries: the file was compacted to the live ones.
    const lines = readFileSync(join(d, CACHE_FILE), 'utf8').trim().split('\n');
    assert.equal(lines.length, 1 + 50);
  });
});

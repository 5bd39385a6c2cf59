// Every envelope version mailroom has shipped (test/fixtures/spool/v<N>/) must
// still be read: by the parser, and by a daemon that finds it in its spool.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseEnvelope } from '../../src/spool/envelope.js';
import type { QueueId } from '../../src/spool/queue-id.js';
import { mailroom, ROOT, sandbox, startDaemon, type Sandbox } from '../helpers/env.js';

const FIXTURES = join(ROOT, 'test/fixtures/spool');
const versions = readdirSync(FIXTURES).filter((d) => /^v\d+$/.test(d)).sort();
const all = versions.flatMap((v) => readdirSync(join(FIXTURES, v)).filter((f) => f.endsWith('.env')).map((f) => ({ v, dir: join(FIXTURES, v), id: f.slice(0, -4) as QueueId })));

let sb: Sandbox;
before(() => {
  sb = sandbox();
});
after(() => sb.cleanup());

test('there are fixtures for version 1', () => {
  assert.ok(versions.includes('v1'));
  assert.ok(all.some((f) => f.v === 'v1'));
});

test('each fixture envelope parses and matches its message', () => {
  for (const f of all) {
    const env = parseEnvelope(readFileSync(join(f.dir, `${f.id}.env`), 'utf8'), f.id);
    assert.equal(env.id, f.id);
    const eml = join(f.dir, `${f.id}.eml`);
    assert.ok(existsSync(eml), `${f.v}/${f.id}.eml`);
    assert.equal(env.size, statSync(eml).size, `${f.v}/${f.id} size`);
    assert.ok(env.recipients.length > 0);
  }
  // a message an administrator released (queue release), later deferred
  const released = parseEnvelope(readFileSync(join(FIXTURES, 'v1/01M92MSJANGQ3HKKHN.env'), 'utf8'));
  assert.deepEqual(released.release, { by: 'root', at: '2026-12-05T08:23:15.410Z' });
});

test('a daemon starting on a spool holding every fixture keeps them all, and the queue tools read them', async () => {
  const d = await startDaemon(sb); // creates the spool
  await d.stop();
  for (const f of all) {
    const env = JSON.parse(readFileSync(join(f.dir, `${f.id}.env`), 'utf8'));
    const state = env.nextAttemptAt ? 'deferred' : 'incoming';
    copyFileSync(join(f.dir, `${f.id}.env`), join(sb.spool, state, `${f.id}.env`));
    copyFileSync(join(f.dir, `${f.id}.eml`), join(sb.spool, 'data', `${f.id}.eml`));
  }
  const d2 = await startDaemon(sb);
  try {
    assert.deepEqual(readdirSync(join(sb.spool, 'corrupt')), [], d2.log());
    const r = await mailroom(sb, ['queue', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const listed = JSON.parse(r.stdout) as { id: string; recipients: unknown[] }[];
    assert.deepEqual(listed.map((e) => e.id).sort(), all.map((f) => f.id).sort());
    const v1 = listed.find((e) => e.id === '01HZ8Q3M2K7T9V4X5Y');
    assert.deepEqual(v1?.recipients, [
      { address: 'bob@example.net', status: 'delivered', attempts: 1, lastError: null },
      { address: 'carol@example.org', status: 'deferred', attempts: 2, lastError: '451 4.7.1 Greylisted, try again later' },
    ]);
  } finally {
    await d2.stop();
  }
});

// kill -9 in the middle of a submission storm: every message that got a 250
// is in the queue after a restart (envelope parseable, data present), and the
// restart leaves no temporary files. Eight clients, 200 messages in all.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseEnvelope } from '../../src/spool/envelope.js';
import type { QueueId } from '../../src/spool/queue-id.js';
import { sandbox, startDaemon, waitFor, type DaemonProc, type Sandbox, queuedEnvPath, queuedIds } from '../helpers/env.js';
import { rawClient, type RawClient } from '../helpers/smtp-client.js';

const CLIENTS = 8;
const TOTAL = 200;
const KILL_AFTER = 100;
const DEADLINE_MS = 60_000;

let sb: Sandbox;
before(() => {
  sb = sandbox();
});
after(() => (process.env.KEEP ? console.log(sb.dir) : sb.cleanup()));

/** One transaction on an open session; resolves to the queue id, throws on any failure. */
async function sendOne(c: RawClient, tag: string): Promise<string> {
  c.write(`MAIL FROM:<crash@example.org>\r\nRCPT TO:<sink@example.net>\r\nDATA\r\n`);
  const [m, r, d] = await c.replies(3);
  if (!/^250 /.test(m!) || !/^250 /.test(r!) || !/^354/.test(d!)) throw new Error(`refused: ${m} ${r} ${d}`);
  c.write(`Subject: ${tag}\r\nX-Tag: ${tag}\r\n\r\n${'crash test line\r\n'.repeat(20)}.\r\n`);
  const [done] = await c.replies(1);
  const id = /^250 .*queued as ([0-9A-Z]{18})/.exec(done!)?.[1];
  if (!id) throw new Error(`no 250: ${done}`);
  return id;
}

test('every message that got a 250 survives kill -9 and a restart', async () => {
  let daemon: DaemonProc = await startDaemon(sb);
  // The spool's group commit under test is the journal's (the addon is built on Linux).
  if (process.platform === 'linux') assert.match(daemon.log(), /daemon started .*commit=journal/);
  const accepted = new Map<string, string>(); // queue id -> tag
  let failures = 0;
  const until = Date.now() + DEADLINE_MS;

  async function worker(w: number): Promise<void> {
    const quota = TOTAL / CLIENTS;
    let sent = 0;
    let c: RawClient | undefined;
    while (sent < quota && Date.now() < until) {
      try {
        if (!c) {
          c = await rawClient(sb.socket);
          await c.replies(1);
          c.write(`EHLO worker${w}.example\r\n`);
          await c.replies(1);
        }
        const tag = `w${w}-m${sent}`;
        const id = await sendOne(c, tag);
        accepted.set(id, tag);
        sent++;
      } catch {
        failures++;
        c?.close();
        c = undefined;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    c?.close();
  }

  const workers = Promise.all(Array.from({ length: CLIENTS }, (_, w) => worker(w)));
  await waitFor(() => accepted.size >= KILL_AFTER, DEADLINE_MS, `${KILL_AFTER} accepted`);
  await daemon.kill();
  const atKill = accepted.size;
  daemon = await startDaemon(sb);
  const restartLog = daemon.log();
  await workers;
  assert.equal(await daemon.stop(), 0, daemon.log());

  assert.equal(accepted.size, TOTAL, `all ${TOTAL} accepted in the end (failures: ${failures})`);
  assert.ok(atKill >= KILL_AFTER && atKill < TOTAL, `killed in the middle (${atKill} accepted)`);
  assert.ok(failures > 0, 'some submissions were cut off by the kill');
  assert.match(restartLog, /daemon started/);

  for (const [id, tag] of accepted) {
    const envFile = queuedEnvPath(sb, id) ?? join(sb.spool, 'incoming', `${id}.env`);
    if (!existsSync(envFile)) {
      const where = ['incoming', 'deferred', 'hold', 'corrupt', 'tmp', 'data'].map((d) => `${d}: ${readdirSync(join(sb.spool, d)).filter((f) => f.includes(id)).join(',')}`);
      assert.fail(`${id} (${tag}) has no envelope; ${where.join('; ')}\nrestart log:\n${restartLog}`);
    }
    const env = parseEnvelope(readFileSync(envFile, 'utf8'), id as QueueId);
    assert.equal(env.sender, 'crash@example.org');
    const eml = readFileSync(join(sb.spool, 'data', `${id}.eml`), 'utf8');
    assert.ok(eml.includes(`\r\nX-Tag: ${tag}\r\n`), `${id} holds ${tag}`);
    assert.equal(env.size, Buffer.byteLength(eml));
  }
  // nothing half-done: no temporary files, no data without an envelope, nothing corrupt
  assert.deepEqual(readdirSync(join(sb.spool, 'tmp')), []);
  const envs = new Set(queuedIds(sb));
  for (const f of readdirSync(join(sb.spool, 'data'))) assert.ok(envs.has(f.slice(0, -4)), `${f} has an envelope`);
  assert.deepEqual(readdirSync(join(sb.spool, 'corrupt')), []);
  // a message cut off before its 250 may be there too (the client retried): at most a duplicate
  assert.ok(envs.size >= TOTAL && envs.size <= TOTAL + CLIENTS, `${envs.size} queued`);
});

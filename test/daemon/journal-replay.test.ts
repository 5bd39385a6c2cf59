// The commit journal after crashes. A crash of the machine (simulated: the
// daemon is killed, the files a power cut could lose or leave short are taken
// away or zeroed, and the journal's header is made to say it was written in
// another boot) must bring back every acknowledged message exactly as it was;
// a daemon killed in the same boot replays nothing, and a clean stop leaves
// the journal empty.
import assert from 'node:assert/strict';
import { existsSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { decodeHeader, decodeRecords, encodeHeader } from '../../src/spool/journal-format.js';
import { loadSpoolNative } from '../../src/spool/syncfs.js';
import { BIN, queuedIds, run, sandbox, sandboxWith, startDaemon, waitFor, type Sandbox } from '../helpers/env.js';
import { rawClient } from '../helpers/smtp-client.js';

const skip = !loadSpoolNative() ? 'needs the addon' : false;

/** Sends n messages over one session; resolves with their queue ids once each got its 250. */
async function send(sb: Sandbox, n: number, rcpt = 'b@example.net'): Promise<string[]> {
  const c = await rawClient(sb.socket);
  await c.replies(1);
  c.write('EHLO journal.example\r\n');
  await c.replies(1);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    c.write(`MAIL FROM:<a@example.org>\r\nRCPT TO:<${rcpt}>\r\nDATA\r\n`);
    await c.replies(3);
    c.write(`Subject: journal ${i}\r\n\r\n${`line ${i}\r\n`.repeat(10 + i)}.\r\n`);
    const [done] = await c.replies(1);
    const id = /^250 .*queued as ([0-9A-Z]{18})/.exec(done!)?.[1];
    assert.ok(id, done);
    ids.push(id);
  }
  c.close();
  return ids;
}

function journalOf(sb: Sandbox): Buffer {
  return readFileSync(join(sb.spool, 'journal'));
}

/** The ids in the journal's current generation's records ("-<id>" for a removal record). */
function journaled(sb: Sandbox): string[] {
  const j = journalOf(sb);
  const head = decodeHeader(j);
  assert.ok(head, 'the journal has a header');
  return decodeRecords(j, head.generation).map((r) => (r.envelope.length === 0 ? '-' : '') + basename(r.name, '.env'));
}

/** Makes the journal's header say it was written in another boot of the machine. */
function anotherBoot(sb: Sandbox): void {
  const head = decodeHeader(journalOf(sb))!;
  const fd = openSync(join(sb.spool, 'journal'), 'r+');
  writeSync(fd, encodeHeader({ generation: head.generation, bootId: '00000000-0000-4000-8000-000000000000' }), 0, undefined, 0);
  closeSync(fd);
}

/**
 * Starts the daemon, runs `work` (which sends mail and returns its queue ids)
 * and kills the daemon before its idle checkpoint (0.5 s after the last
 * message) empties the journal. A stall of the machine can let the checkpoint
 * come first: then, at most twice more, with a fresh daemon.
 */
async function killWithRecords(sb: Sandbox, work: () => Promise<string[]>): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    const daemon = await startDaemon(sb);
    assert.match(daemon.log(), /daemon started .*commit=journal/);
    const ids = await work();
    await daemon.kill();
    if (journaled(sb).includes(ids[0]!) || attempt === 3) return ids;
  }
}

test('a crash of the machine: every acknowledged message is written again from the journal', { skip }, async () => {
  const sb = sandbox();
  try {
    const ids = await killWithRecords(sb, () => send(sb, 4));
    assert.deepEqual(journaled(sb).sort(), [...ids].sort(), 'the four messages are in the journal');
    const env = (id: string) => join(sb.spool, 'hold', `${id}.env`);
    const eml = (id: string) => join(sb.spool, 'data', `${id}.eml`);
    const before = ids.map((id) => ({ env: readFileSync(env(id)), eml: readFileSync(eml(id)) }));

    // What a power cut can do to files written without fsync.
    rmSync(env(ids[0]!));
    rmSync(eml(ids[0]!));
    writeFileSync(eml(ids[1]!), Buffer.alloc(before[1]!.eml.length)); // right size, zeros
    writeFileSync(env(ids[2]!), ''); // an envelope whose blocks never arrived
    anotherBoot(sb);

    const daemon = await startDaemon(sb);
    assert.match(daemon.log(), /commit journal replayed after a restart of the machine records=4 restored=3/);
    ids.forEach((id, i) => {
      assert.ok(readFileSync(env(id)).equals(before[i]!.env), `${id}: its envelope`);
      assert.ok(readFileSync(eml(id)).equals(before[i]!.eml), `${id}: its data`);
    });
    assert.deepEqual(readdirSync(join(sb.spool, 'corrupt')), []);
    assert.deepEqual(journaled(sb), [], 'replayed, then emptied at start');

    const more = await send(sb, 2);
    assert.equal(await daemon.stop(), 0, daemon.log());
    assert.deepEqual(journaled(sb), [], 'a clean stop leaves the journal empty');
    for (const id of more) assert.ok(existsSync(env(id)));
  } finally {
    sb.cleanup();
  }
});

test('a daemon killed in the same boot replays nothing: what it wrote is in the kernel', { skip }, async () => {
  const sb = sandbox();
  try {
    const [id] = await killWithRecords(sb, () => send(sb, 1));
    assert.deepEqual(journaled(sb), [id]);
    // removed while the daemon was down (as `mailroom queue delete` does)
    rmSync(join(sb.spool, 'hold', `${id}.env`));
    rmSync(join(sb.spool, 'data', `${id}.eml`));
    const daemon = await startDaemon(sb);
    assert.equal(await daemon.stop(), 0);
    assert.doesNotMatch(daemon.log(), /replayed/);
    assert.equal(existsSync(join(sb.spool, 'hold', `${id}.env`)), false, 'not brought back');
  } finally {
    sb.cleanup();
  }
});

test('a message delivered before the checkpoint has a removal record: a replay does not deliver it again', { skip }, async () => {
  const sb = sandboxWith((dir) => `users: ${dir}/users\nlocal:\n  mailboxes: ${dir}/mail\n  domains: [test.example]\n  systemUsers: false\nrelay:\n  mode: hold\n`);
  try {
    const add = await run(join(BIN, 'mailroom'), ['user', 'add', 'alice', '--password-stdin', '--config', sb.config], 'alicepw\n');
    assert.equal(add.code, 0, add.stderr);
    const inbox = join(sb.dir, 'mail', 'alice', 'new');
    const delivered = () => (existsSync(inbox) ? readdirSync(inbox).length : 0);
    const [id] = await killWithRecords(sb, async () => {
      const before = delivered();
      const ids = await send(sb, 1, 'alice@test.example');
      await waitFor(() => delivered() === before + 1 && queuedIds(sb).length === 0, 10_000, 'delivered and removed');
      // The removal record follows the removal (the flusher appends it), or
      // the journal is empty already (an idle checkpoint came first).
      const records = () => journaled(sb);
      await waitFor(() => records().includes(`-${ids[0]}`) || records().length === 0, 10_000, 'the removal record');
      return ids;
    });
    assert.deepEqual(journaled(sb), [id, `-${id}`], 'its record, then its removal record');
    const deliveries = delivered();
    anotherBoot(sb);
    const daemon = await startDaemon(sb);
    assert.match(daemon.log(), /commit journal replayed after a restart of the machine records=1 restored=0 removed=1/);
    assert.equal(await daemon.stop(), 0);
    assert.deepEqual(queuedIds(sb), [], 'not brought back');
    assert.equal(delivered(), deliveries, 'not delivered again');
  } finally {
    sb.cleanup();
  }
});

test('a message an administrator deletes has a removal record too: a replay does not bring it back', { skip }, async () => {
  const sb = sandbox();
  try {
    const [id] = await killWithRecords(sb, async () => {
      const ids = await send(sb, 1);
      // Mail keeps coming while the command runs (it takes longer than the
      // daemon's idle checkpoint): the journal holds records meanwhile.
      let more = true;
      const trickle = (async () => {
        while (more) {
          await send(sb, 1);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      try {
        const del = await run(join(BIN, 'mailroom'), ['queue', 'delete', ids[0]!, '--config', sb.config]);
        assert.equal(del.code, 0, del.stderr);
        await waitFor(() => journaled(sb).includes(`-${ids[0]}`) || !journaled(sb).includes(ids[0]!), 10_000, 'the removal record');
      } finally {
        more = false;
        await trickle;
      }
      return ids;
    });
    const records = journaled(sb);
    assert.ok(records.includes(id!) && records.includes(`-${id}`), `its record and its removal record: ${records.join(' ')}`);
    anotherBoot(sb);
    const daemon = await startDaemon(sb);
    assert.match(daemon.log(), /records=\d+ restored=0 removed=1/);
    assert.equal(await daemon.stop(), 0);
    assert.equal(queuedIds(sb).includes(id!), false, 'not brought back');
  } finally {
    sb.cleanup();
  }
});

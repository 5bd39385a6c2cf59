// openJournal(): a new journal at first start, a new generation at each
// start, and a journal left behind replayed even where the addon is missing.
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { test } from 'node:test';
import { newEnvelope, serializeEnvelope } from '../../src/spool/envelope.js';
import { decodeHeader, encodeHeader } from '../../src/spool/journal-format.js';
import { journalPath, JOURNAL_SIZE, openJournal } from '../../src/spool/journal.js';
import { ensureSpool } from '../../src/spool/layout.js';
import { spoolPaths, type SpoolPaths } from '../../src/spool/paths.js';
import { newQueueId, type QueueId } from '../../src/spool/queue-id.js';
import { createLogger } from '../../src/shared/log.js';
import { loadSpoolNative } from '../../src/spool/syncfs.js';
import { sandbox } from '../helpers/env.js';

const native = loadSpoolNative();

function logger(lines: string[]) {
  return createLogger('info', (l) => lines.push(l));
}

/** A message's envelope as the spool holds it. */
function envelopeOf(id: QueueId, data: Buffer): Buffer {
  const submission = { sender: 'a@example.org', recipients: [{ address: 'b@example.net' }], dsn: {}, body: '7BIT' as const, smtputf8: false, createdAt: new Date().toISOString() };
  return Buffer.from(serializeEnvelope(newEnvelope(id, submission, { uid: 0, user: 'root', source: 'sendmail', size: data.length })));
}

/** The state a crash of the machine may leave: the journal as it was then, its header from another boot. */
function crashedJournal(paths: SpoolPaths, bytes: Buffer, generation: number): void {
  writeFileSync(journalPath(paths), bytes);
  const fd = openSync(journalPath(paths), 'r+');
  writeSync(fd, encodeHeader({ generation, bootId: '00000000-0000-4000-8000-000000000000' }), 0, undefined, 0);
  closeSync(fd);
}

test('no addon and no journal: none is created', async () => {
  const sb = sandbox();
  try {
    const paths = spoolPaths(sb.spool);
    await ensureSpool(paths);
    assert.equal(await openJournal(paths, undefined, logger([])), undefined);
    assert.equal(existsSync(journalPath(paths)), false);
  } finally {
    sb.cleanup();
  }
});

test('a journal is created in full, and each start is a new generation', { skip: !native && 'needs the addon' }, async () => {
  const sb = sandbox();
  try {
    const paths = spoolPaths(sb.spool);
    await ensureSpool(paths);
    const first = await openJournal(paths, native, logger([]));
    assert.ok(first);
    closeSync(first.fd);
    assert.equal(readFileSync(journalPath(paths)).length, JOURNAL_SIZE);
    const second = await openJournal(paths, native, logger([]));
    closeSync(second!.fd);
    assert.equal(second!.generation, first.generation + 1);
    assert.equal(decodeHeader(readFileSync(journalPath(paths)))?.generation, second!.generation);
  } finally {
    sb.cleanup();
  }
});

test('without the addon, a journal from another boot is replayed, then removed', { skip: !native && 'needs the addon to write the journal' }, async () => {
  const sb = sandbox();
  try {
    const paths = spoolPaths(sb.spool);
    await ensureSpool(paths);
    const handle = (await openJournal(paths, native, logger([])))!;
    const id = newQueueId();
    const data = Buffer.from('Subject: kept\r\n\r\nbody\r\n');
    const env = envelopeOf(id, data);
    const dirFd = openSync(paths.root, 'r');
    const c = native!.openCommitter(dirFd, handle);
    assert.equal(await c.add([paths.eml(id), data, `${paths.tmp}/x.env`, env, paths.env('incoming', id)]), 0);
    const crashed = readFileSync(journalPath(paths)); // before any checkpoint: the record is there
    c.close();
    closeSync(dirFd);
    closeSync(handle.fd);
    // the state a power cut may leave: the journal as it was, the files gone
    crashedJournal(paths, crashed, handle.generation);
    rmSync(paths.eml(id));
    rmSync(paths.env('incoming', id));

    const lines: string[] = [];
    assert.equal(await openJournal(paths, undefined, logger(lines)), undefined);
    assert.match(lines.join(''), /commit journal replayed after a restart of the machine records=1 restored=1/);
    assert.ok(readFileSync(paths.eml(id)).equals(data));
    assert.ok(readFileSync(paths.env('incoming', id)).equals(env));
    assert.equal(existsSync(journalPath(paths)), false, 'removed');
  } finally {
    sb.cleanup();
  }
});

test('a message removed before the checkpoint has a removal record and is not brought back', { skip: !native && 'needs the addon' }, async () => {
  const sb = sandbox();
  try {
    const paths = spoolPaths(sb.spool);
    await ensureSpool(paths);
    const handle = (await openJournal(paths, native, logger([])))!;
    const dirFd = openSync(paths.root, 'r');
    const c = native!.openCommitter(dirFd, handle);
    const ids = [newQueueId(), newQueueId(), newQueueId()];
    const data = (i: number) => Buffer.from(`Subject: ${i}\r\n\r\nbody ${i}\r\n`);
    const env = (i: number) => envelopeOf(ids[i]!, data(i));
    const add = (i: number) => c.add([paths.eml(ids[i]!), data(i), `${paths.tmp}/${i}.env`, env(i), paths.env('incoming', ids[i]!)]);
    assert.deepEqual(await Promise.all([add(0), add(1)]), [0, 0]);
    // delivered and removed, as the queue runner does
    rmSync(paths.env('incoming', ids[0]!));
    rmSync(paths.eml(ids[0]!));
    c.forget(paths.env('incoming', ids[0]!));
    assert.equal(await add(2), 0); // its fdatasync takes the removal record along
    const crashed = readFileSync(journalPath(paths));
    c.close();
    closeSync(dirFd);
    closeSync(handle.fd);
    crashedJournal(paths, crashed, handle.generation);
    rmSync(paths.eml(ids[1]!)); // lost by the crash

    const lines: string[] = [];
    const again = await openJournal(paths, native, logger(lines));
    closeSync(again!.fd);
    assert.match(lines.join(''), /records=3 restored=1 removed=1/);
    assert.equal(existsSync(paths.env('incoming', ids[0]!)), false, 'the removed message stays removed');
    assert.equal(existsSync(paths.eml(ids[0]!)), false);
    assert.ok(readFileSync(paths.eml(ids[1]!)).equals(data(1)), 'the lost data is back');
  } finally {
    sb.cleanup();
  }
});

test('a journal cut short is filled out again, and the daemon can commit through it', { skip: !native && 'needs the addon' }, async () => {
  const sb = sandbox();
  try {
    const paths = spoolPaths(sb.spool);
    await ensureSpool(paths);
    closeSync((await openJournal(paths, native, logger([])))!.fd);
    writeFileSync(journalPath(paths), Buffer.alloc(100)); // not even a header
    const lines: string[] = [];
    const handle = (await openJournal(paths, native, logger(lines)))!;
    assert.match(lines.join(''), /commit journal header unreadable/);
    assert.equal(handle.capacity, JOURNAL_SIZE);
    const dirFd = openSync(paths.root, 'r');
    const c = native!.openCommitter(dirFd, handle);
    const id = newQueueId();
    assert.equal(await c.add([paths.eml(id), Buffer.from('x\r\n'), `${paths.tmp}/c.env`, Buffer.from('{}'), paths.env('incoming', id)]), 0);
    c.close();
    closeSync(dirFd);
    closeSync(handle.fd);
  } finally {
    sb.cleanup();
  }
});

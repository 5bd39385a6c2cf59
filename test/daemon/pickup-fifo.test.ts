// The pickup FIFO (pickup.fifo beside the submission socket): sendmail writes
// a byte there after a drop so pickup is immediate, without loading a network
// module; the daemon makes the FIFO (mode 0622) and keeps it drained.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Socket } from 'node:net';
import { test } from 'node:test';
import { maildropNames, sandbox, sendmail, startDaemon, waitFor } from '../helpers/env.js';

test('the daemon makes pickup.fifo (0622) and drains whatever is written to it', async () => {
  const sb = sandbox();
  const d = await startDaemon(sb);
  try {
    const fifo = join(dirname(sb.socket), 'pickup.fifo');
    const st = statSync(fifo);
    assert.ok(st.isFIFO());
    assert.equal(st.mode & 0o777, 0o622);
    // Three times a pipe's capacity, written without blocking: only a reading daemon lets it all through.
    const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    let written = 0;
    const until = Date.now() + 10_000;
    try {
      while (written < 3 * 65536 && Date.now() < until) {
        try {
          written += writeSync(fd, Buffer.alloc(4096, 'p'));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    } finally {
      closeSync(fd);
    }
    assert.ok(written >= 3 * 65536, `only ${written} bytes went through`);
    assert.equal(d.proc.exitCode, null, 'the daemon still runs');
  } finally {
    await d.stop();
    sb.cleanup();
  }
  assert.equal(spawnSync('test', ['-e', join(dirname(sb.socket), 'pickup.fifo')]).status, 1, 'removed at stop');
});

test('sendmail pokes pickup.fifo after the drop, and does not block when no one reads it', async () => {
  const sb = sandbox();
  try {
    const fifo = join(dirname(sb.socket), 'pickup.fifo');
    mkdirSync(dirname(fifo), { recursive: true });
    // No daemon: sendmail must neither fail nor wait.
    const alone = await sendmail(sb, ['-i', 'a@example.net'], 'Subject: nobody reads\n\nx\n');
    assert.equal(alone.code, 0, alone.stderr);
    // A reader stands in for the daemon.
    assert.equal(spawnSync('mkfifo', ['-m', '0622', fifo]).status, 0);
    const reader = new Socket({ fd: openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
    let pokes = 0;
    reader.on('data', (b: Buffer) => (pokes += b.length));
    try {
      const r = await sendmail(sb, ['-i', 'b@example.net'], 'Subject: poke\n\nx\n');
      assert.equal(r.code, 0, r.stderr);
      await waitFor(() => pokes === 1, 5000, 'one poke');
      assert.equal(maildropNames(sb).length, 2, 'both messages wait in maildrop/');
    } finally {
      reader.destroy();
    }
  } finally {
    sb.cleanup();
  }
});

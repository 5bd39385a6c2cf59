// Queue ids: unique, sortable by arrival time, safe as file names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQueueId, newQueueId, queueIdTime } from '../../src/spool/queue-id.js';

test('100k ids in a loop are unique and valid file names', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100_000; i++) {
    const id = newQueueId();
    assert.ok(isQueueId(id), id);
    assert.match(id, /^[0-9A-Z]{18}$/); // no '/', '.', spaces, lower case (case-insensitive file systems)
    seen.add(id);
  }
  assert.equal(seen.size, 100_000);
});

test('ids sort by arrival time and carry it', () => {
  const times = [0, 1, 999, 1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000, 2 ** 45];
  const ids = times.map((t) => newQueueId(t));
  assert.deepEqual([...ids].sort(), ids);
  ids.forEach((id, i) => assert.equal(queueIdTime(id), times[i]));
  const a = newQueueId(Date.now());
  const b = newQueueId(Date.now() + 1);
  assert.ok(a < b);
});

test('isQueueId refuses what is not ours', () => {
  for (const bad of ['', '../etc/passwd', '01HXXXXXXXXXXXXXXX.env', 'abcdefghijklmnopqr', '0123456789ABCDEFGI', '0123456789ABCDEFGU', '0123456789ABCDEFG']) {
    assert.equal(isQueueId(bad), false, bad);
  }
});

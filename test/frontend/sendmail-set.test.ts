// The whole sendmail test set (test/sendmail/) again, through the compiled
// front end with a daemon up ("frontend"), through it with no daemon (its
// Node fallback: "down"), and as installed without a C compiler ("nobuild"):
// the same assertions pass on every path (test/helpers/env.ts SENDMAIL_PATH).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/env.js';

const dir = join(ROOT, 'dist/test/sendmail');
const files = readdirSync(dir).filter((f) => f.endsWith('.test.js')).map((f) => join(dir, f));
const built = existsSync(join(ROOT, 'native/sendmail/build/mailroom-sendmail'));

for (const mode of ['frontend', 'down', 'nobuild'] as const) {
  const skip = mode !== 'nobuild' && !built ? 'the front end is not built' : false;
  test(`test/sendmail/ passes with MAILROOM_TEST_SENDMAIL=${mode}`, { skip, timeout: 15 * 60_000 }, async () => {
    // Without NODE_TEST_CONTEXT: a runner of its own, not a child of ours.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', ...files], {
      env: { ...env, MAILROOM_TEST_SENDMAIL: mode },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    const failed = out.split('\n').filter((l) => /^\s*not ok /.test(l));
    assert.deepEqual(failed, [], out.slice(-4000));
    assert.equal(code, 0, out.slice(-4000));
    assert.ok(Number(/^# pass (\d+)$/m.exec(out)?.[1] ?? 0) > 50, 'the set ran');
  });
}

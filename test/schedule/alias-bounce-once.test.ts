// An alias with an unknown target: the target fails at expansion and is
// bounced once, not again on each later run of the same message (here kept
// in the queue by a remote recipient whose smart host is down).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BIN, freePort, queuedIds, readQueued, run, sendmail, startDaemon, waitFor, type Sandbox } from '../helpers/env.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function dsnsFor(sb: Sandbox, user: string): string[] {
  const out: string[] = [];
  for (const sub of ['new', 'cur']) {
    const d = join(sb.dir, 'mail', user, sub);
    if (existsSync(d)) for (const n of readdirSync(d)) if (/multipart\/report/i.test(readFileSync(join(d, n), 'utf8'))) out.push(n);
  }
  return out;
}

test('an unknown alias target bounces once across retries', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-sched-'));
  const down = await freePort(); // nothing listens: the remote recipient is deferred
  const sb: Sandbox = { dir, config: join(dir, 'mailroom.yaml'), spool: join(dir, 'spool'), socket: join(dir, 'run/submit.sock'), control: join(dir, 'run/control.sock'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  cleanups.push(() => sb.cleanup());
  writeFileSync(
    sb.config,
    `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nusers: ${dir}/users\naliases: ${dir}/aliases\n` +
      `local:\n  mailboxes: ${dir}/mail\n  domains: [test.example]\n  systemUsers: false\n` +
      `relay:\n  mode: smarthost\n  smarthosts: [{ host: 127.0.0.1, port: ${down}, tls: none }]\n  retry: [1s]\n  timeouts: { connect: 2s }\n`,
  );
  writeFileSync(join(dir, 'aliases'), 'team: alice, ghost\nghost: nobody-here\n');
  assert.equal((await run(join(BIN, 'mailroom'), ['user', 'add', 'alice', '--password-stdin', '--config', sb.config], 'pw\n')).code, 0);
  const d = await startDaemon(sb);
  cleanups.push(() => d.stop());
  const r = await sendmail(sb, ['-i', '-f', 'alice@test.example', 'team', 'far@example.net'], 'Subject: to the team\n\nhello\n');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => queuedIds(sb).length === 1, 10_000, 'queued');
  const id = queuedIds(sb)[0]!;
  const rcpts = () => (readQueued(sb, id)?.env.recipients ?? []) as { address: string; status: string; attempts: number }[];
  // Three runs at least: the remote recipient is deferred each time.
  await waitFor(() => (rcpts().find((x) => x.address === 'far@example.net')?.attempts ?? 0) >= 3, 30_000, 'three attempts of the remote recipient');
  await waitFor(() => dsnsFor(sb, 'alice').length >= 1, 10_000, 'the bounce for the unknown target');
  assert.equal(dsnsFor(sb, 'alice').length, 1, 'one bounce, not one per run');
  const ghost = rcpts().filter((x) => x.status === 'failed');
  assert.equal(ghost.length, 1, JSON.stringify(rcpts()));
  assert.equal(ghost[0]!.attempts, 1);
});

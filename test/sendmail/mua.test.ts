// A mail user agent nobody here wrote calling bin/sendmail: s-nail (mail(1)),
// as cron's MAILTO and admins' scripts use it. Skipped with a reason when the
// Debian package is not installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BIN, headerValues, readDrops, run, sandbox, splitMessage, type Sandbox } from '../helpers/env.js';

const boxes: Sandbox[] = [];
after(() => boxes.forEach((b) => b.cleanup()));

const hasSnail = spawnSync('s-nail', ['-V']).status === 0;
const skip = hasSnail ? false : 's-nail is not installed (apt-get install s-nail)';

function snail(sb: Sandbox, args: string[], body: string) {
  const env = { HOME: sb.dir, MAILRC: '/dev/null', LC_ALL: 'C.UTF-8' };
  return run('s-nail', ['-n', '-#', '-S', `mta=${join(BIN, 'sendmail')}`, '-S', `mta-arguments=-C ${sb.config}`, ...args], body, { env });
}

test('s-nail: recipients on argv, Bcc kept out of the message, -r as the envelope sender', { skip }, async () => {
  const sb = sandbox();
  boxes.push(sb);
  const body = 'Report of the nightly job.\n.\nA line with only a dot above.\n';
  const r = await snail(sb, ['-r', 'cron@x.example', '-s', 'nightly report', '-c', 'cc@x.example', '-b', 'hidden@x.example', 'ops@x.example'], body);
  assert.equal(r.code, 0, `s-nail: ${r.stdout}${r.stderr}`);
  const drops = readDrops(sb);
  assert.equal(drops.length, 1);
  const d = drops[0]!;
  assert.equal(d.env.sender, 'cron@x.example');
  assert.deepEqual(d.env.recipients.map((x) => x.address).sort(), ['cc@x.example', 'hidden@x.example', 'ops@x.example']);
  assert.doesNotMatch(d.content.toString('latin1'), /hidden@/, 'Bcc is not in the stored message');
  assert.deepEqual(headerValues(d.content, 'Subject'), ['nightly report']);
  assert.deepEqual(headerValues(d.content, 'From'), ['cron@x.example']);
  assert.equal(splitMessage(d.content).fields[0]!.name, 'Received');
  assert.equal(splitMessage(d.content).body.toString('latin1'), body.replace(/\n/g, '\r\n'), 'the lone "." line is kept: s-nail passes -i');
});

test('s-nail: a UTF-8 subject and body arrive intact', { skip }, async () => {
  const sb = sandbox();
  boxes.push(sb);
  const r = await snail(sb, ['-S', 'sendcharsets=utf-8', '-r', 'me@x.example', '-s', 'Grüße', 'you@x.example'], 'Schöne Grüße\n');
  assert.equal(r.code, 0, `s-nail: ${r.stdout}${r.stderr}`);
  const [d] = readDrops(sb);
  assert.ok(d);
  const subject = headerValues(d.content, 'Subject')[0]!;
  assert.match(subject, /^=\?utf-8\?[QB]\?/i, 'the subject is RFC 2047 encoded by s-nail');
  const body = splitMessage(d.content).body;
  const cte = (headerValues(d.content, 'Content-Transfer-Encoding')[0] ?? '8bit').toLowerCase();
  if (cte === '8bit') assert.equal(body.toString('utf8'), 'Schöne Grüße\r\n');
  else assert.match(body.toString('latin1'), /Sch(=C3=B6|ö)ne/);
});

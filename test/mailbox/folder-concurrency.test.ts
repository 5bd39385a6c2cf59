// UIDs under concurrency: two stores of this process and two child processes
// append to one folder while deliveries land in new/ and sessions sync; no
// UID may be given twice, and every APPENDUID must name the message appended.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import { openUserStore } from '../../src/mailbox/folder-store.js';
import { addMessage, writeMaildir } from './fixture.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-folder-conc-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const N = 30;
const storeModule = fileURLToPath(new URL('../../src/mailbox/folder-store.js', import.meta.url));

/** A child process that appends N messages tagged `who` and prints their UIDs as JSON. */
function appendInChild(who: string): Promise<Record<string, number>> {
  const script = join(dir, `child-${who}.mjs`);
  writeFileSync(
    script,
    `import { openUserStore } from ${JSON.stringify(storeModule)};
const inbox = await openUserStore(process.argv[2], 'zed').open('INBOX');
const out = {};
for (let i = 0; i < ${N}; i++) {
  const tag = '${who}-' + i;
  out[tag] = await inbox.append(Buffer.from('Subject: ' + tag + '\\r\\n\\r\\n' + tag + '\\r\\n'), []);
  if (i % 5 === 0) await inbox.sync();
}
inbox.release();
process.stdout.write(JSON.stringify(out));
`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as Record<string, number>);
      else reject(new Error(`child ${who} exited ${code}: ${err}`));
    });
  });
}

async function appendHere(who: string): Promise<Record<string, number>> {
  const inbox = await openUserStore(dir, 'zed').open('INBOX');
  const out: Record<string, number> = {};
  for (let i = 0; i < N; i++) {
    const tag = `${who}-${i}`;
    out[tag] = await inbox.append(Buffer.from(`Subject: ${tag}\r\n\r\n${tag}\r\n`), []);
    if (i % 3 === 0) await inbox.sync();
  }
  inbox.release();
  return out;
}

async function deliver(): Promise<void> {
  const inbox = await openUserStore(dir, 'zed').open('INBOX');
  for (let i = 0; i < N; i++) {
    addMessage(join(dir, 'zed'), { content: `Subject: delivered-${i}\n\ndelivered-${i}\n` });
    await inbox.sync();
    await new Promise((r) => setTimeout(r, 2));
  }
  inbox.release();
}

it('no UID is given twice when processes and sessions append and deliveries arrive at once', async (t) => {
  writeMaildir(dir, 'zed', []);
  const started = Date.now();
  const results = await Promise.all([appendInChild('c1'), appendInChild('c2'), appendHere('p1'), appendHere('p2'), deliver()]);
  t.diagnostic(`${4 * N} appends and ${N} deliveries from 3 processes in ${Date.now() - started} ms`);
  const appended = Object.assign({}, ...results.slice(0, 4)) as Record<string, number>;
  const uids = Object.values(appended);
  assert.equal(uids.length, 4 * N);
  assert.equal(new Set(uids).size, uids.length, 'an APPENDUID was given twice');

  const inbox = await openUserStore(dir, 'zed').open('INBOX');
  const s = (await inbox.sync()).snapshot;
  assert.equal(s.messages.length, 5 * N);
  assert.equal(new Set(s.messages.map((m) => m.uid)).size, s.messages.length);
  assert.equal(new Set(s.messages.map((m) => m.base)).size, s.messages.length);
  for (const [tag, uid] of Object.entries(appended)) {
    assert.equal(inbox.readHeader(uid)?.toString(), `Subject: ${tag}\r\n\r\n`, `UID ${uid} is not ${tag}`);
  }
  assert.equal(s.uidNext, s.messages[s.messages.length - 1]!.uid + 1);
  inbox.release();
});

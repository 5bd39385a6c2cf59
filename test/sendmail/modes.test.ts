// sendmail's other modes: -bp / mailq, -bi / newaliases, -bv, -q,
// and the names mailq / newaliases / sendmail reached through argv[0] — by
// symlinks to bin/sendmail, as `mailroom install` and distributions make them.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, maildropNames, queuedState, readDrops, run, sandbox, sendmail, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';

const boxes: Sandbox[] = [];
let links: string;
before(() => {
  links = mkdtempSync(join(tmpdir(), 'mailroom-links-'));
  for (const name of ['sendmail', 'mailq', 'newaliases']) symlinkSync(join(BIN, 'sendmail'), join(links, name));
});
after(() => {
  boxes.forEach((b) => b.cleanup());
  rmSync(links, { recursive: true, force: true });
});
function box(extra = ''): Sandbox {
  // No daemon of the helper's (SENDMAIL_PATH): modes other than plain submission are the Node path's, with the daemon down as written.
  const sb = sandbox(extra, { ownDaemon: true });
  boxes.push(sb);
  return sb;
}

describe('queue listing: -bp and mailq', { concurrency: 4 }, () => {
  test('an empty (or not yet created) queue says "Mail queue is empty"', async () => {
    const sb = box();
    for (const r of [await sendmail(sb, ['-bp']), await run(join(links, 'mailq'), ['-C', sb.config])]) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Mail queue is empty\n');
    }
  });

  describe('with the daemon running', () => {
    let sb: Sandbox;
    let daemon: DaemonProc;
    before(async () => {
      sb = box();
      daemon = await startDaemon(sb);
    });
    after(async () => {
      await daemon.stop();
    });

    test('a queued message is listed with its sender and recipients, by -bp and by the mailq link', async () => {
      const r = await sendmail(sb, ['-i', '-f', 'lister@x.example', 'r1@x.example', 'r2@x.example'], 'Subject: q\n\nbody\n');
      assert.equal(r.code, 0, r.stderr);
      await waitFor(() => maildropNames(sb).length === 0, 10_000, 'pickup from maildrop/');
      const bp = await sendmail(sb, ['-bp']);
      assert.equal(bp.code, 0, bp.stderr);
      assert.match(bp.stdout, /^-Queue ID-/);
      assert.match(bp.stdout, /\s<lister@x\.example>\n/);
      assert.match(bp.stdout, /\br1@x\.example\b/);
      assert.match(bp.stdout, /\br2@x\.example\b/);
      assert.match(bp.stdout, /-- \d+ Kbytes in 1 Request\.\n$/);
      const mq = await run(join(links, 'mailq'), ['-C', sb.config]);
      assert.equal(mq.code, 0, mq.stderr);
      const ageless = (s: string) => s.replace(/\b\d+[smhd]\b/g, 'AGE');
      assert.equal(ageless(mq.stdout), ageless(bp.stdout), 'mailq prints what -bp prints');
    });

    test('-q, -qR site and -qI id ask the running daemon and exit 0', async () => {
      for (const args of [['-q'], ['-q30m'], ['-qR', 'x.example'], ['-qRx.example'], ['-qI', '01ABCDEFGHJKMNPQRS']]) {
        const r = await sendmail(sb, args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      }
      // Exit 0 means the daemon answered "ok" on its control socket (with it down the same commands exit 69, below).
    });
  });

  test('-q, -qR and -qI with the daemon down exit 69 with a reason', async () => {
    const sb = box();
    for (const args of [['-q'], ['-qR', 'x.example'], ['-qI', '01ABCDEFGHJKMNPQRS']]) {
      const r = await sendmail(sb, args);
      assert.equal(r.code, 69, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^sendmail: [^\n]*daemon is not running\n$/);
    }
  });

  test('-q refused by the daemon exits 69 with its answer, not as a usage error', async () => {
    const sb = box();
    // A control socket that refuses every request, as a daemon does with "error ...".
    mkdirSync(dirname(sb.control), { recursive: true });
    const path = sb.control;
    const asked: string[] = [];
    const server = createServer((c) => c.on('data', (d) => (asked.push(d.toString().trim()), c.end('error flush refused for the test\n'))));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const r = await sendmail(sb, ['-qI', '01ABCDEFGHJKMNPQRS']);
      assert.deepEqual(asked, ['flush I 01ABCDEFGHJKMNPQRS']);
      assert.equal(r.code, 69, r.stderr);
      assert.match(r.stderr, /^sendmail: error flush refused for the test\n$/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('-qR without a site is a usage error (64)', async () => {
    const r = await sendmail(box(), ['-qR']);
    assert.equal(r.code, 64, r.stderr);
  });
});

describe('aliases: -bi and newaliases', { concurrency: 4 }, () => {
  test('a good aliases file (config key aliases:) is read and counted', async () => {
    const sb = box();
    const file = join(sb.dir, 'aliases');
    writeFileSync(file, '# system aliases\npostmaster: root\nwebmaster: alice,\n  bob@x.example\nroot: admin@x.example\n');
    writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\naliases: ${file}\n`);
    for (const r of [await sendmail(sb, ['-bi']), await sendmail(sb, ['-I']), await run(join(links, 'newaliases'), ['-C', sb.config])]) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `newaliases: ${file}: 3 aliases\n`);
      assert.equal(r.stderr, '');
    }
  });

  test('problems are reported with their line numbers, exit 65', async () => {
    const sb = box();
    const file = join(sb.dir, 'aliases');
    writeFileSync(file, 'postmaster: root\n  \n\tstray: continuation\nno colon here\nempty:\npostmaster: other\n');
    writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\naliases: ${file}\n`);
    const r = await run(join(links, 'newaliases'), ['-C', sb.config]);
    assert.equal(r.code, 65, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.ok(lines.some((l) => l.startsWith(`newaliases: ${file}:4: `) && /expected "name: target/.test(l)), r.stderr);
    assert.ok(lines.some((l) => l.startsWith(`newaliases: ${file}:5: `) && /no targets/.test(l)), r.stderr);
    assert.ok(lines.some((l) => l.startsWith(`newaliases: ${file}:6: `) && /defined again/.test(l)), r.stderr);
    for (const l of lines) assert.match(l, new RegExp(`^newaliases: ${file}:\\d+: `));
    assert.equal(r.stdout, '');
  });

  test('inline aliases in the configuration are counted', async () => {
    const sb = box('aliases:\n  postmaster: root\n  abuse: [root, sec@x.example]\n');
    const r = await sendmail(sb, ['-bi']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^newaliases: .*mailroom\.yaml \(inline aliases\): 2 aliases\n$/);
  });
});

describe('verify: -bv', { concurrency: 4 }, () => {
  test('prints how each recipient would be routed (alias, local, relay) and writes nothing', async () => {
    const sb = box('aliases:\n  alice: root, ext@x.example\n');
    const r = await sendmail(sb, ['-bv', 'alice', 'root@test.example', 'ext@x.example']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines.length, 4, r.stdout);
    assert.match(lines[0]!, /^alice@test\.example\.\.\. deliverable: .*\broot\b.*ext@x\.example.*hold/, 'the alias is expanded to both targets');
    assert.match(lines[1]!, /^root@test\.example\.\.\. deliverable: local mailbox root$/);
    assert.match(lines[2]!, /^ext@x\.example\.\.\. deliverable: held in the queue \(relay\.mode: hold\)$/);
    assert.deepEqual(maildropNames(sb), []);
  });

  test('an unknown local user is undeliverable, exit 67 (EX_NOUSER)', async () => {
    const sb = box();
    const r = await sendmail(sb, ['-bv', 'root', 'no-such-user-here']);
    assert.equal(r.code, 67, r.stderr);
    assert.match(r.stdout, /^no-such-user-here@test\.example\.\.\. undeliverable: .*no such user/m);
    assert.deepEqual(maildropNames(sb), []);
  });

  test('an unusable address is reported undeliverable, exit 65', async () => {
    const sb = box();
    const r = await sendmail(sb, ['-bv', 'ok@x.example', 'bad address@x.example']);
    assert.equal(r.code, 65, r.stderr);
    assert.match(r.stdout, /^ok@x\.example\.\.\. deliverable: /m);
    assert.match(r.stdout, /^bad address@x\.example\.\.\. undeliverable: /m);
    assert.deepEqual(maildropNames(sb), []);
  });

  test('-bv without recipients is a usage error (64)', async () => {
    const r = await sendmail(box(), ['-bv']);
    assert.equal(r.code, 64, r.stderr);
  });
});

describe('argv[0]', { concurrency: 4 }, () => {
  test('a symlink keeps its name in process.argv[1]', async () => {
    const script = join(links, 'argv.mjs');
    writeFileSync(join(links, 'real-argv.mjs'), 'process.stdout.write(process.argv[1]);\n');
    symlinkSync(join(links, 'real-argv.mjs'), script);
    const r = await run(process.execPath, [script]);
    assert.equal(r.stdout, script);
  });

  test('a link named sendmail delivers like bin/sendmail', async () => {
    const sb = box();
    const r = await run(join(links, 'sendmail'), ['-C', sb.config, '-i', 'a@x.example'], 'Subject: link\n\nbody\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readDrops(sb).length, 1);
  });

  test('mailq and newaliases errors name the command that was run', async () => {
    const sb = box();
    const r = await run(join(links, 'mailq'), ['-C', join(sb.dir, 'missing.yaml')]);
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /^mailq: /);
    const n = await run(join(links, 'newaliases'), ['-C', join(sb.dir, 'missing.yaml')]);
    assert.equal(n.code, 78, n.stderr);
    assert.match(n.stderr, /^newaliases: /);
  });

  test('mailq reads no message from stdin (it does not queue one)', async () => {
    const sb = box();
    const r = await run(join(links, 'mailq'), ['-C', sb.config], 'Subject: not mail\n\nbody\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Mail queue is empty\n');
    assert.deepEqual(maildropNames(sb), []);
    assert.equal(queuedState(sb, 'x'), undefined);
  });
});

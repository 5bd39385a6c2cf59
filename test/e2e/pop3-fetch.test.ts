// Issue 4 end to end: mail that the daemon delivered into alice's Maildir is
// fetched over the daemon's own POP3 listener by Python poplib and by curl,
// byte for byte as stored (LF on disk, CRLF and dot-stuffing on the wire), and
// DELE + QUIT removes it from the Maildir.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, queuedIds, run, sendmail, startDaemon, waitFor, type DaemonProc, type Sandbox, freePort } from '../helpers/env.js';
import { python } from '../pop3/py.js';


const PASSWORD = 'pop pw ü';

describe('POP3 fetch of mail the daemon delivered', () => {
  let sb: Sandbox;
  let daemon: DaemonProc | undefined;
  let port: number;
  /** The delivered files (LF), in delivery order. */
  const stored: Buffer[] = [];

  const maildirFiles = () => ['new', 'cur'].flatMap((s) => {
    const d = join(sb.dir, 'mail', 'alice', s);
    return existsSync(d) ? readdirSync(d).map((n) => join(d, n)) : [];
  });

  before(async () => {
    port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'mailroom-e2e-pop3-'));
    const config = join(dir, 'mailroom.yaml');
    writeFileSync(
      config,
      `hostname: test.example\nspool: ${dir}/spool\nsocket: ${dir}/run/submit.sock\nusers: ${dir}/users\n` +
        `aliases:\n  root: alice\nlocal:\n  mailboxes: ${dir}/mail\n  domains: [test.example, localhost]\n  systemUsers: false\n` +
        `relay:\n  mode: hold\npop3:\n  listen: 127.0.0.1:${port}\n  tls: none\n`,
    );
    sb = { dir, config, spool: join(dir, 'spool'), socket: join(dir, 'run/submit.sock'), control: join(dir, 'run/control.sock'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    const add = await run(join(BIN, 'mailroom'), ['user', 'add', 'alice', '--password-stdin', '--config', config], `${PASSWORD}\n`);
    assert.equal(add.code, 0, add.stderr);
    daemon = await startDaemon(sb);
    // Two messages, delivered one after the other so their order is known:
    // dot lines (stuffed on the wire), 8-bit text, a trailing space, an empty last line.
    const bodies = [
      'Subject: cron: backup\n\n.\n..two\n.one dot\nend \n',
      'Subject: =?UTF-8?Q?gr=C3=BC=C3=9Fe?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGrüße aus dem Keller\n\n',
    ];
    for (const b of bodies) {
      const r = await sendmail(sb, ['-i', '--', 'root'], b);
      assert.equal(r.code, 0, r.stderr);
      const want = stored.length + 1;
      await waitFor(() => maildirFiles().length === want, 15_000, `delivery ${want}`);
      const fresh = maildirFiles().map((f) => readFileSync(f)).find((c) => !stored.some((s) => s.equals(c)));
      stored.push(fresh!);
    }
    await waitFor(() => queuedIds(sb).length === 0, 10_000, 'empty queue');
  });

  after(async () => {
    await daemon?.stop();
    sb?.cleanup();
  });

  const wire = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');

  it('the delivered files are what a Maildir reader expects', () => {
    assert.equal(stored.length, 2);
    assert.match(stored[0]!.toString(), /^Return-Path: <root@test\.example>\nDelivered-To: alice@test\.example\n/);
    assert.match(stored[0]!.toString(), /\n\n\.\n\.\.two\n\.one dot\nend \n$/);
    assert.match(stored[1]!.toString('utf8'), /\n\nGrüße aus dem Keller\n\n$/);
  });

  it('Python poplib: STAT, LIST, UIDL and RETR byte-exact', async () => {
    const out = await python(
      `import poplib, json, os, base64\np = poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=20)\np.user('alice')\np.pass_(os.environ['PW'])\n` +
        `st = p.stat()\nls = [l.decode() for l in p.list()[1]]\nu = [l.decode() for l in p.uidl()[1]]\n` +
        `msgs = []\nfor i in range(1, st[0] + 1):\n  r = p.retr(i)\n  msgs.append([r[2], base64.b64encode(b'\\r\\n'.join(r[1]) + b'\\r\\n').decode()])\n` +
        `p.quit()\nprint(json.dumps({'stat': st, 'list': ls, 'uidl': u, 'msgs': msgs}))`,
      { PORT: String(port), PW: PASSWORD },
    );
    const expected = stored.map(wire);
    assert.deepEqual(out.stat, [2, expected[0]!.length + expected[1]!.length]);
    assert.deepEqual(out.list, expected.map((e, i) => `${i + 1} ${e.length}`));
    assert.equal(out.uidl.length, 2);
    assert.notEqual(out.uidl[0].split(' ')[1], out.uidl[1].split(' ')[1]);
    out.msgs.forEach(([octets, b64]: [number, string], i: number) => {
      const got = Buffer.from(b64, 'base64');
      assert.ok(got.equals(expected[i]!), `message ${i + 1}:\n${got.toString('latin1')}\n---\n${expected[i]!.toString('latin1')}`);
      // poplib's octet count includes the stuffed dots and the CRLFs of the lines it split.
      assert.ok(octets >= expected[i]!.length, `octets ${octets}`);
    });
  });

  it('curl pop3:// lists and retrieves message 1 byte-exact', async () => {
    const url = `pop3://alice:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/`;
    const list = await run('curl', ['-sS', '--max-time', '20', url]);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(list.stdout.trim().split(/\r?\n/), stored.map((s, i) => `${i + 1} ${wire(s).length}`));
    for (const n of [1, 2]) {
      const file = join(sb.dir, `curl-${n}.eml`);
      const r = await run('curl', ['-sS', '--max-time', '20', '-o', file, `${url}${n}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(readFileSync(file).equals(wire(stored[n - 1]!)), `curl message ${n}`);
    }
  });

  it('DELE + QUIT removes the message from the Maildir; RSET keeps it', async () => {
    const login = `import poplib, json, os\np = poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=20)\np.user('alice')\np.pass_(os.environ['PW'])\n`;
    const kept = await python(login + `p.dele(1)\np.rset()\ns = p.stat()\np.quit()\nprint(json.dumps(s))`, { PORT: String(port), PW: PASSWORD });
    assert.equal(kept[0], 2);
    assert.equal(maildirFiles().length, 2);
    await python(login + `p.dele(1)\nprint(json.dumps(p.quit().decode()))`, { PORT: String(port), PW: PASSWORD });
    const left = maildirFiles();
    assert.equal(left.length, 1, left.join('\n'));
    assert.ok(readFileSync(left[0]!).equals(stored[1]!), 'message 2 is the one left');
    // RETR marked it seen: it moved to cur/ with the S flag.
    assert.match(left[0]!, /\/cur\/[^/]+:2,S$/);
    const after = await python(
      `import poplib, json, os\np = poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=20)\np.user('alice')\np.pass_(os.environ['PW'])\ns = p.stat()\np.quit()\nprint(json.dumps(s))`,
      { PORT: String(port), PW: PASSWORD },
    );
    assert.deepEqual(after, [1, wire(stored[1]!).length]);
  });
});

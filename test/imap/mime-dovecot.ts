// The reference for the MIME tests: Debian's Dovecot IMAP serving the same
// fixtures from a Maildir in a temp dir (one file per fixture in cur/), and a
// tiny raw-socket IMAP client that fetches one item at a time and returns the
// item's value exactly as Dovecot wrote it (literals included).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const haveDovecot = spawnSync('dovecot', ['--version']).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export interface DovecotImap {
  /** Sends `tag FETCH n (item)` and returns the value of the item's first response as raw octets. */
  fetch(n: number, item: string): Promise<Buffer>;
  stop(): Promise<void>;
}

/** Starts Dovecot on a Maildir holding `messages` in order (sequence number i+1 = messages[i]). */
export async function startDovecot(messages: readonly Buffer[]): Promise<DovecotImap> {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-mime-'));
  chmodSync(dir, 0o755);
  // Run as root (this machine), imap-login refuses root and mail access refuses
  // uid 0, so the login process and the mail user are nobody.
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? 'root' : (process.env.USER ?? 'root');
  const uid = asRoot ? 65534 : (process.getuid?.() ?? 0);
  const gid = asRoot ? 65534 : (process.getgid?.() ?? 0);
  const md = join(dir, 'mail');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(md, sub), { recursive: true });
  messages.forEach((m, i) => writeFileSync(join(md, 'cur', `${1_700_000_000 + i}.M${i}P1.test,S=${m.length}:2,S`), m));
  if (asRoot) for (const p of [md, ...['cur', 'new', 'tmp'].map((s) => join(md, s))]) chownSync(p, uid, gid);
  writeFileSync(join(dir, 'users'), `tester:{PLAIN}secret:${uid}:${gid}::${dir}::\n`);
  const port = await freePort();
  writeFileSync(
    join(dir, 'dovecot.conf'),
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
default_internal_user = ${user}
default_login_user = ${asRoot ? 'nobody' : user}
mail_location = maildir:${md}:INDEX=MEMORY
passdb {
  driver = passwd-file
  args = ${dir}/users
}
userdb {
  driver = passwd-file
  args = ${dir}/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
}
`,
  );
  const proc: ChildProcess = spawn('dovecot', ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: 'ignore' });
  const stopProc = async () => {
    if (proc.pid && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      process.kill(proc.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  let sock: Socket | undefined;
  let client: Reader;
  try {
    sock = await connectWithRetry(port, 15_000);
    client = new Reader(sock);
    await client.command(null);
    await client.command('LOGIN tester secret');
    await client.command('EXAMINE INBOX');
  } catch (err) {
    sock?.destroy();
    await stopProc();
    throw err;
  }
  const conn = sock;
  return {
    async fetch(n, item) {
      const resp = await client.command(`FETCH ${n} (${item})`);
      return itemValue(resp);
    },
    async stop() {
      conn.destroy();
      await stopProc();
    },
  };
}

async function connectWithRetry(port: number, ms: number): Promise<Socket> {
  const until = Date.now() + ms;
  for (;;) {
    const s = await new Promise<Socket | undefined>((r) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => r(c));
      c.once('error', () => r(undefined));
    });
    if (s) return s;
    if (Date.now() > until) throw new Error('dovecot did not start listening');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** From `* n FETCH (NAME value)\r\n`, the value's octets (the text between the name and the last `)`). */
function itemValue(resp: Buffer): Buffer {
  const start = resp.indexOf(' FETCH (');
  if (start < 0) throw new Error(`no FETCH response in ${resp.toString()}`);
  let i = start + 8;
  // Skip the item name, including a [section] that may contain spaces.
  let depth = 0;
  while (i < resp.length && !(resp[i] === 0x20 && depth === 0)) {
    if (resp[i] === 0x5b) depth++;
    if (resp[i] === 0x5d) depth--;
    i++;
  }
  const end = resp.lastIndexOf(')');
  return resp.subarray(i + 1, end);
}

/** Reads tagged command responses, following literals so a `)` or CRLF inside one is not misread. */
class Reader {
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private tagN = 0;
  constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
  }
  private async more(): Promise<void> {
    await new Promise<void>((r, reject) => {
      const t = setTimeout(() => reject(new Error('dovecot timed out')), 10_000);
      this.waiting = () => (clearTimeout(t), (this.waiting = undefined), r());
    });
  }
  /** Sends a command (null: just read the greeting) and returns every untagged line before the tagged one. */
  async command(cmd: string | null): Promise<Buffer> {
    const tag = `t${++this.tagN}`;
    if (cmd !== null) this.sock.write(`${tag} ${cmd}\r\n`);
    const out: Buffer[] = [];
    for (;;) {
      const line = await this.line();
      const text = line.toString('latin1');
      if (cmd === null || text.startsWith(`${tag} `)) {
        if (cmd !== null && !text.startsWith(`${tag} OK`)) throw new Error(`dovecot: ${text}`);
        return Buffer.concat(out);
      }
      out.push(line);
    }
  }
  /** One response line with its literals, CRLF excluded. */
  private async line(): Promise<Buffer> {
    let pos = 0;
    for (;;) {
      const nl = this.buf.indexOf('\r\n', pos);
      if (nl < 0) {
        await this.more();
        continue;
      }
      const m = /\{(\d+)\}$/.exec(this.buf.subarray(Math.max(0, nl - 12), nl).toString('latin1'));
      if (m) {
        const need = nl + 2 + Number(m[1]);
        while (this.buf.length < need) await this.more();
        pos = need;
        continue;
      }
      const line = this.buf.subarray(0, nl);
      this.buf = this.buf.subarray(nl + 2);
      return line;
    }
  }
}

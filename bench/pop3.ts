// POP3 retrieval bench: UIDL + RETR of every message of a 10,000-message mixed
// Maildir by a plain-socket client (pipelined, reading each response to its
// terminating '.'), against mailroom's daemon and, when Debian's
// dovecot-pop3d is installed, against Dovecot over the same Maildir.
// Each server gets one warm-up pass (page cache, Dovecot's index) and one
// timed pass. Everything lives in one temp dir, removed at the end; every
// process is stopped by its PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { hashPassword } from '../src/users/hash.js';
import { buildBenchMailbox } from './pop3-mailbox.js';
import { createBox, startDaemon } from './sandbox.js';
import { rate, sleep } from './stats.js';

export interface Pop3BenchRow {
  what: string;
  result: string;
  target: string;
}

interface Pass {
  msgs: number;
  bytes: number;
  ms: number;
}

const CRLF_DOT_CRLF = Buffer.from('\r\n.\r\n');

/** Logs in, sends UIDL and then RETR 1..n with `window` commands in flight; times UIDL + RETRs. */
export async function fetchAll(port: number, user: string, password: string, window = 32, timeoutMs = 60_000): Promise<Pass> {
  const sock = connect({ port, host: '127.0.0.1', noDelay: true });
  sock.setNoDelay(true);
  const expect: boolean[] = []; // true = multi-line response expected
  let line = '';
  let inBody = false;
  let tail = Buffer.alloc(0);
  let bytes = 0;
  let errors = 0;
  let onLine: ((l: string) => void) | undefined;
  let onBodyEnd: (() => void) | undefined;
  const feed = (d: Buffer): void => {
    let pos = 0;
    while (pos < d.length) {
      if (inBody) {
        const junction = Buffer.concat([tail, d.subarray(pos, pos + 4)]);
        let end = junction.indexOf(CRLF_DOT_CRLF);
        let after: number;
        if (end >= 0) after = pos + (end + 5 - tail.length);
        else {
          end = d.indexOf(CRLF_DOT_CRLF, pos);
          after = end >= 0 ? end + 5 : -1;
        }
        if (after < 0) {
          const all = d.subarray(Math.max(pos, d.length - 4));
          tail = d.length - pos >= 4 ? Buffer.from(all) : Buffer.concat([tail, d.subarray(pos)]).subarray(-4);
          return;
        }
        pos = after;
        inBody = false;
        onBodyEnd?.();
        continue;
      }
      const nl = d.indexOf(10, pos);
      if (nl < 0) {
        line += d.toString('latin1', pos);
        return;
      }
      line += d.toString('latin1', pos, nl + 1);
      pos = nl + 1;
      const l = line.replace(/\r?\n$/, '');
      line = '';
      const multi = expect.shift();
      if (multi && l.startsWith('+OK')) {
        inBody = true;
        tail = Buffer.from('\r\n');
      } else if (multi) {
        errors++;
        onBodyEnd?.();
      }
      onLine?.(l);
    }
  };
  sock.on('data', (d: Buffer) => {
    bytes += d.length;
    feed(d);
  });
  await new Promise<void>((res, rej) => {
    sock.once('connect', () => res());
    sock.once('error', rej);
  });
  const nextLine = () => new Promise<string>((res) => (onLine = (l) => ((onLine = undefined), res(l))));
  const deadline = setTimeout(() => sock.destroy(new Error('POP3 bench timed out')), timeoutMs);
  const failed = new Promise<never>((_, rej) => sock.once('error', rej));
  try {
    const run = async (): Promise<Pass> => {
      expect.push(false);
      await nextLine();
      const cmd = async (c: string) => {
        expect.push(false);
        sock.write(`${c}\r\n`);
        const r = await nextLine();
        if (!r.startsWith('+OK')) throw new Error(`${c.split(' ')[0]}: ${r}`);
        return r;
      };
      await cmd(`USER ${user}`);
      await cmd(`PASS ${password}`);
      const count = Number((await cmd('STAT')).split(' ')[1]);
      const t0 = performance.now();
      const b0 = bytes;
      let done = 0;
      let sent = 0;
      await new Promise<void>((res) => {
        const pump = () => {
          let out = '';
          while (sent < count && sent - done < window) out += `RETR ${++sent}\r\n`;
          for (let i = expect.length; i < sent - done + 1; i++) expect.push(true);
          if (out) sock.write(out);
        };
        onBodyEnd = () => {
          done++;
          if (done === count + 1) return res();
          pump();
        };
        expect.push(true);
        sock.write('UIDL\r\n');
        pump();
        if (count === 0) res();
      });
      const ms = performance.now() - t0;
      onBodyEnd = undefined;
      if (errors) throw new Error(`${errors} RETR/UIDL commands failed`);
      await cmd('QUIT');
      return { msgs: count, bytes: bytes - b0, ms };
    };
    return await Promise.race([run(), failed]);
  } finally {
    clearTimeout(deadline);
    sock.destroy();
  }
}

function dovecotConfig(dir: string, port: number, mail: string): string {
  return `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 1
mail_location = maildir:${mail}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=${dir}/home
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = ${port}
  }
}
service imap-login {
  inet_listener imap {
    port = 0
  }
}
`;
}

async function waitPort(port: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), res(true)));
      s.once('error', () => res(false));
    });
    if (ok) return true;
    await sleep(100);
  }
  return false;
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

function freePort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}

/** Runs the POP3 bench; returns table rows (mailroom, Dovecot when available, the ratio). */
export async function runPop3Bench(opts: { messages?: number; log?: (s: string) => void } = {}): Promise<Pop3BenchRow[]> {
  const log = opts.log ?? ((s: string) => process.stdout.write(s));
  const n = opts.messages ?? 10_000;
  const box = createBox('pop3');
  const rows: Pop3BenchRow[] = [];
  try {
    chmodSync(box.dir, 0o755);
    const mail = join(box.dir, 'mail');
    log(`pop3: building a ${n}-message Maildir ...\n`);
    const built = buildBenchMailbox(mail, 'bench', n);
    const mb = (built.bytes / 1e6).toFixed(0);
    writeFileSync(join(box.dir, 'users'), `bench:${await hashPassword('benchpw')}\n`, { mode: 0o600 });
    const port = freePort();
    writeFileSync(box.config, `\nusers: ${box.dir}/users\nlocal:\n  mailboxes: ${mail}\npop3:\n  listen: 127.0.0.1:${port}\n  tls: none\n`, { flag: 'a' });
    const daemon = await startDaemon(box);
    let ours: Pass;
    try {
      log(`pop3: mailroom, UIDL + RETR of ${n} messages (${mb} MB), warm-up then timed ...\n`);
      await fetchAll(port, 'bench', 'benchpw');
      ours = await fetchAll(port, 'bench', 'benchpw');
    } finally {
      await daemon.stop();
    }
    const oursRate = (ours.msgs * 1000) / ours.ms;
    rows.push({ what: `POP3 mailroom: UIDL + RETR all, ${ours.msgs} msgs / ${mb} MB, pipelined`, result: `${rate(oursRate)}, ${((ours.bytes / 1e6) / (ours.ms / 1000)).toFixed(0)} MB/s`, target: '≥ 0.7 × Dovecot' });
    const dovecot = '/usr/sbin/dovecot';
    if (!existsSync(dovecot)) {
      rows.push({ what: 'POP3 Dovecot (same Maildir)', result: 'not run: dovecot-pop3d is not installed', target: '' });
      return rows;
    }
    const dport = freePort();
    writeFileSync(join(box.dir, 'passwd'), 'bench:{PLAIN}benchpw::::::\n');
    writeFileSync(join(box.dir, 'dovecot.conf'), dovecotConfig(box.dir, dport, join(mail, 'bench')));
    spawnSync('chown', ['-R', '65534:65534', join(mail, 'bench')]);
    const proc = spawn(dovecot, ['-F', '-c', join(box.dir, 'dovecot.conf')], { stdio: 'ignore' });
    try {
      if (!(await waitPort(dport, 10_000))) throw new Error(`dovecot did not start (see ${box.dir}/dovecot.log)`);
      log(`pop3: Dovecot, the same, warm-up then timed ...\n`);
      await fetchAll(dport, 'bench', 'benchpw');
      const theirs = await fetchAll(dport, 'bench', 'benchpw');
      const theirRate = (theirs.msgs * 1000) / theirs.ms;
      rows.push({ what: `POP3 Dovecot ${spawnSync(dovecot, ['--version']).stdout?.toString().trim().split(' ')[0] ?? ''}: the same`, result: `${rate(theirRate)}, ${((theirs.bytes / 1e6) / (theirs.ms / 1000)).toFixed(0)} MB/s`, target: '' });
      rows.push({ what: 'POP3 mailroom / Dovecot', result: `${(oursRate / theirRate).toFixed(2)}×`, target: '≥ 0.70×' });
    } catch (err) {
      rows.push({ what: 'POP3 Dovecot (same Maildir)', result: `not run: ${(err as Error).message}`, target: '' });
    } finally {
      await stopProcess(proc);
    }
  } finally {
    box.remove();
  }
  return rows;
}

// Debian's Dovecot as a reference IMAP server for the client tests and the
// bench: started unprivileged-style (its own base_dir, no system config) on a
// loopback port over a given Maildir, one user from a passwd-file, no TLS.
// Its indexes and uidlist live beside the config, not in the Maildir, so the
// same Maildir can be served by mailroom without Dovecot's files in it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './sandbox.js';

export const DOVECOT = '/usr/sbin/dovecot';
export const haveDovecotImap = existsSync(DOVECOT) && existsSync('/usr/lib/dovecot/imap');

export interface DovecotImap {
  port: number;
  /** Dovecot's version ("2.3.19.1"). */
  version: string;
  /** Master's pid. */
  pid: number;
  /** PIDs of the per-connection `imap` processes (children of the master). */
  imapPids(): number[];
  log(): string;
  stop(): Promise<void>;
}

export interface DovecotImapOptions {
  /** The user's Maildir (INBOX); folders are Maildir++ sub-directories. */
  maildir: string;
  /** Where config, runtime files, indexes and the log go (created). */
  dir: string;
  user: string;
  password: string;
  /** More user names with the same password and the same Maildir. */
  moreUsers?: string[];
  port?: number;
  /**
   * Sent, Drafts, Trash and Junk created at login with their RFC 6154
   * attributes, as mailroom makes them for a user.
   */
  specialUse?: boolean;
  /** Extra lines appended to the generated config. */
  extra?: string;
}

const SPECIAL_USE = ['Sent', 'Drafts', 'Trash', 'Junk'].map((m) => `  mailbox ${m} {\n    special_use = \\${m}\n    auto = create\n  }\n`).join('');

function config(o: DovecotImapOptions, port: number, uid: number, gid: number): string {
  return `base_dir = ${o.dir}/run
state_dir = ${o.dir}/state
log_path = ${o.dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
first_valid_gid = 0
default_internal_user = dovecot
default_login_user = dovenull
default_client_limit = 5000
mail_max_userip_connections = 5000
mail_location = maildir:${o.maildir}:INDEX=${o.dir}/index:CONTROL=${o.dir}/control
namespace inbox {
  inbox = yes
  separator = .
${o.specialUse ? SPECIAL_USE : ''}}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${o.dir}/passwd
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${o.dir}/home
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  service_count = 0
  client_limit = 5000
  process_min_avail = 1
}
service imap {
  process_limit = 5000
  client_limit = 1
}
# The passwd-file and the run directory may be in a root-only temp dir.
service auth {
  user = root
}
service auth-worker {
  user = root
}
service anvil {
  client_limit = 10000
}
${o.extra ?? ''}
`;
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('error', () => res(false));
  });
}

/**
 * Starts Dovecot IMAP over the Maildir; resolves once it accepts connections.
 * Dovecot refuses to open mail as root: a root-owned Maildir is given to
 * nobody first (chown -R), and its path must be traversable by nobody.
 */
export async function startDovecotImap(o: DovecotImapOptions): Promise<DovecotImap> {
  const port = o.port ?? (await freePort());
  for (const d of ['run', 'state', 'home', 'index', 'control']) mkdirSync(join(o.dir, d), { recursive: true });
  if (statSync(o.maildir).uid === 0) spawnSync('chown', ['-R', '65534:65534', o.maildir]);
  const st = statSync(o.maildir);
  for (const d of ['index', 'control', 'home']) chownSync(join(o.dir, d), st.uid, st.gid);
  chmodSync(o.dir, 0o755);
  writeFileSync(join(o.dir, 'passwd'), [o.user, ...(o.moreUsers ?? [])].map((u) => `${u}:{PLAIN}${o.password}::::::\n`).join(''));
  const conf = join(o.dir, 'dovecot.conf');
  writeFileSync(conf, config(o, port, st.uid, st.gid));
  const proc: ChildProcess = spawn(DOVECOT, ['-F', '-c', conf], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const until = Date.now() + 15_000;
  while (!(await portOpen(port))) {
    if (proc.exitCode !== null || Date.now() > until) {
      proc.kill('SIGKILL');
      const log = existsSync(join(o.dir, 'dovecot.log')) ? readFileSync(join(o.dir, 'dovecot.log'), 'utf8') : '';
      throw new Error(`dovecot imap did not start: ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const version = spawnSync(DOVECOT, ['--version']).stdout.toString().trim().split(' ')[0] ?? '';
  return {
    port,
    version,
    pid: proc.pid!,
    imapPids: () => childrenNamed(proc.pid!, 'imap'),
    log: () => (existsSync(join(o.dir, 'dovecot.log')) ? readFileSync(join(o.dir, 'dovecot.log'), 'utf8') : ''),
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.kill('SIGTERM');
      await exited;
      clearTimeout(t);
    },
  };
}

/** PIDs of the direct children of `ppid` whose command name is `comm` (from /proc). */
export function childrenNamed(ppid: number, comm: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const parent = Number(stat.slice(close + 2).split(' ')[1]);
      if (parent === ppid && name === comm) out.push(Number(p));
    } catch {
      /* the process went away */
    }
  }
  return out;
}

/** Resident set size of a process in KiB (VmRSS), 0 when it is gone. */
export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size of a process in KiB (shared pages divided among their users), 0 when it is gone. */
export function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

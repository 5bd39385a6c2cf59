// The IMAP server the client tests talk to: mailroom's daemon (imap.listen on
// a free loopback port, no TLS, a users file made by `mailroom user add`,
// local delivery into the same Maildirs), or with MAILROOM_IMAP_TARGET=dovecot
// Debian's Dovecot over the same Maildir, which proves the tests themselves.
import { chmodSync, chownSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { BIN, freePort, run, sandboxWith, sendmail, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../../helpers/env.js';
import { startDovecotImap, type DovecotImap } from '../../helpers/dovecot-imap.js';
import { prng } from '../../helpers/maildir-gen.js';

export type TargetKind = 'mailroom' | 'dovecot';
export const TARGET: TargetKind = process.env.MAILROOM_IMAP_TARGET === 'dovecot' ? 'dovecot' : 'mailroom';

export interface ImapTarget {
  kind: TargetKind;
  port: number;
  user: string;
  password: string;
  /** The user's Maildir (INBOX). */
  maildir: string;
  sb: Sandbox;
  /** mailroom: the daemon; its log helps when a test fails. */
  daemon?: DaemonProc;
  dovecot?: DovecotImap;
  /** New mail for the user: bin/sendmail through the daemon (mailroom), a file in new/ (Dovecot). */
  deliver(message: string): Promise<void>;
  stop(): Promise<void>;
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('error', () => res(false));
  });
}

export interface TargetOptions {
  kind?: TargetKind;
  user?: string;
  password?: string;
  /** Fills the user's Maildir before the server starts. */
  populate?: (maildir: string) => void;
  /** Dovecot: special-use folders made at login, as mailroom does. */
  specialUse?: boolean;
}

/** Starts the chosen server for one user; the Maildir is <sandbox>/mail/<user>. */
export async function startTarget(opts: TargetOptions = {}): Promise<ImapTarget> {
  const kind = opts.kind ?? TARGET;
  const user = opts.user ?? 'alice';
  const password = opts.password ?? 'imap pw';
  const port = await freePort();
  const sb = sandboxWith(
    (dir) =>
      `users: ${dir}/users\nlocal:\n  mailboxes: ${dir}/mail\n  domains: [test.example, localhost]\n  systemUsers: false\n` +
      `relay:\n  mode: hold\nimap:\n  listen: 127.0.0.1:${port}\n  tls: none\n`,
    { worldReadable: true, prefix: 'mailroom-imap-' },
  );
  const maildir = join(sb.dir, 'mail', user);
  for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, d), { recursive: true });
  chmodSync(join(sb.dir, 'mail'), 0o755);
  opts.populate?.(maildir);
  if (kind === 'dovecot') {
    const dovecot = await startDovecotImap({ maildir, dir: join(sb.dir, 'dovecot'), user, password, port, specialUse: opts.specialUse });
    const rand = prng(7);
    let n = 0;
    return {
      kind, port, user, password, maildir, sb, dovecot,
      deliver: async (message) => {
        const name = `${Math.floor(Date.now() / 1000)}.M${Math.floor(rand() * 1e6)}P${process.pid}Q${++n}.test.example`;
        writeFileSync(join(maildir, 'tmp', name), message);
        const st = statSync(maildir);
        chownSync(join(maildir, 'tmp', name), st.uid, st.gid);
        renameSync(join(maildir, 'tmp', name), join(maildir, 'new', name));
      },
      stop: async () => {
        await dovecot.stop();
        sb.cleanup();
      },
    };
  }
  const add = await run(join(BIN, 'mailroom'), ['user', 'add', user, '--password-stdin', '--config', sb.config], `${password}\n`);
  if (add.code !== 0) throw new Error(`mailroom user add: ${add.stderr}`);
  const daemon = await startDaemon(sb);
  try {
    await waitFor(() => portOpen(port), 5000, 'the IMAP listener');
  } catch {
    await daemon.stop();
    throw new Error(`the daemon does not serve IMAP on imap.listen 127.0.0.1:${port}; its log:\n${daemon.log().slice(-2000)}`);
  }
  return {
    kind, port, user, password, maildir, sb, daemon,
    deliver: async (message) => {
      const r = await sendmail(sb, ['-i', '--', user], message);
      if (r.code !== 0) throw new Error(`sendmail exited ${r.code}: ${r.stderr}`);
    },
    stop: async () => {
      await daemon.stop();
      sb.cleanup();
    },
  };
}

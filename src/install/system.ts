// The system `mailroom install` works on: the real one, or an image under
// --root DIR where every path is prefixed and nothing outside DIR is asked
// (no useradd, no systemctl, owners from DIR/etc/passwd). Also the fixed
// paths install owns and the installation (this package) its links point at.
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_DEFAULTS, DEFAULT_CONFIG_PATH } from '../config/defaults.js';

export interface Target {
  /** The image's directory, or undefined for the running system. */
  root: string | undefined;
  /** A system path (/etc/...) as a path on this machine. */
  at(p: string): string;
  /** Owners can be set (we are root); as another user under --root they are left alone. */
  canChown: boolean;
}

export function targetFor(root: string | undefined): Target {
  const dir = root === undefined ? undefined : resolve(root);
  const image = dir === '/' ? undefined : dir;
  return {
    root: image,
    at: (p) => (image ? join(image, p) : p),
    canChown: process.getuid?.() === 0,
  };
}

/** The package directory (bin/, etc/, dist/), with symbolic links resolved. */
export const PACKAGE_DIR = realpathSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'));

/**
 * Where this package is as seen from inside the target: the same absolute
 * path, except that a package staged inside the image (a DESTDIR build) loses
 * the image prefix.
 */
export function packagePath(t: Target, ...parts: string[]): string {
  const p = join(PACKAGE_DIR, ...parts);
  if (!t.root) return p;
  const rel = relative(t.root, p);
  return rel.startsWith('..') || rel === '' ? p : sep + rel;
}

export const PATHS = {
  configDir: '/etc/mailroom',
  config: DEFAULT_CONFIG_PATH,
  users: CONFIG_DEFAULTS.users,
  /** Root-owned and beside the config: the daemon's account can never write it (its /var/lib/mailroom it can). */
  manifest: '/etc/mailroom/install.json',
  unit: '/etc/systemd/system/mailroom.service',
  tmpfiles: '/usr/lib/tmpfiles.d/mailroom.conf',
  spool: CONFIG_DEFAULTS.spool,
  nologin: '/usr/sbin/nologin',
} as const;

/** The command links and the bin/ entry each points at. /usr/bin/mailroom is on every PATH; the unit runs the package's bin/mailroom directly. */
export const LINKS: readonly (readonly [path: string, bin: string])[] = [
  ['/usr/sbin/sendmail', 'sendmail'],
  ['/usr/lib/sendmail', 'sendmail'],
  ['/usr/bin/mailq', 'mailq'],
  ['/usr/bin/newaliases', 'newaliases'],
  ['/usr/bin/mailroom', 'mailroom'],
];

/** The compiled sendmail front end, inside the package (built by npm ci where there is a C compiler). */
export const FRONT_END = ['native', 'sendmail', 'build', 'mailroom-sendmail'] as const;

/** Where a link's previous occupant is kept while we are installed. */
export const savedPath = (p: string): string => `${p}.mailroom-saved`;

/** systemd is the running init (sd_booted(3)); never true for an image. */
export function systemdRunning(t: Target): boolean {
  return !t.root && existsSync('/run/systemd/system');
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a system command (useradd, dpkg -S, systemctl) with bounded output and time. */
export function runCommand(file: string, args: string[]): Promise<CommandResult> {
  return new Promise((res) => {
    execFile(file, args, { maxBuffer: 1 << 20, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 127) : 0;
      res({ code, stdout, stderr: stderr || (err && code === 127 ? err.message : '') });
    });
  });
}

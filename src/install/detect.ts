// What occupies a path install wants for a link (/usr/sbin/sendmail, ...):
// nothing, our own link, or another mail system's file. Another MTA is named
// from the link chain's targets, the dpkg package owning the file (running
// system only) and, failing those, strings in the file (the first 4 MiB).
import { promises as fsp } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { runCommand, type Target } from './system.js';

export interface Occupant {
  /** The system path (/usr/sbin/sendmail). */
  path: string;
  /** "a link to ../../usr/sbin/sendmail.postfix", "a file", "a directory". */
  what: string;
  /** The mail system it belongs to, when recognised (Postfix, Exim, ...). */
  mta: string | undefined;
  /** The Debian package owning it, when dpkg knows. */
  pkg: string | undefined;
}

// Order matters where one name contains another's signature.
const MTAS: readonly (readonly [name: string, re: RegExp])[] = [
  ['Postfix', /postfix/i],
  ['Exim', /exim/i],
  ['nullmailer', /nullmailer/i],
  ['OpenSMTPD', /opensmtpd|smtpctl/i],
  ['msmtp', /msmtp/i],
  ['sSMTP', /ssmtp/i],
  ['dma', /(^|[/_-])dma($|[/_.-])|DragonFly Mail Agent/i],
  ['Sendmail', /sendmail-bin|sendmail\.cf/i],
];

const mtaIn = (text: string): string | undefined => MTAS.find(([, re]) => re.test(text))?.[0];

/** A link target as a system path (relative targets resolved against the link's directory). */
export function linkTargetPath(linkPath: string, target: string): string {
  return normalize(isAbsolute(target) ? target : join(dirname(linkPath), target));
}

async function lstatOrNone(p: string) {
  try {
    return await fsp.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Scans the start of a file for an MTA's name (binaries carry their paths and banners). */
async function mtaInFile(file: string): Promise<string | undefined> {
  const fh = await fsp.open(file, 'r').catch(() => undefined);
  if (!fh) return undefined;
  try {
    const buf = Buffer.alloc(4 << 20);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return mtaIn(buf.subarray(0, bytesRead).toString('latin1'));
  } finally {
    await fh.close();
  }
}

async function dpkgOwner(p: string): Promise<string | undefined> {
  const r = await runCommand('dpkg', ['-S', p]);
  if (r.code !== 0) return undefined;
  // "postfix: /usr/sbin/sendmail" (diversions print other lines first).
  const line = r.stdout.split('\n').find((l) => l.endsWith(`: ${p}`));
  return line?.slice(0, line.indexOf(':')).split(',')[0]?.trim();
}

/** Describes what is at `path` in the target, or undefined when nothing is. */
export async function inspectPath(t: Target, path: string): Promise<Occupant | undefined> {
  const st = await lstatOrNone(t.at(path));
  if (!st) return undefined;
  let what = st.isDirectory() ? 'a directory' : 'a file';
  let mta: string | undefined;
  let pkg: string | undefined;
  let cur = path;
  let final = path;
  // Follow the link chain inside the target (8 hops at most), naming the MTA from the first target that names one.
  for (let hop = 0, s: Awaited<ReturnType<typeof lstatOrNone>> = st; hop < 8 && s?.isSymbolicLink(); hop++) {
    const target = await fsp.readlink(t.at(cur));
    if (hop === 0) what = `a link to ${target}`;
    mta ??= mtaIn(target);
    cur = linkTargetPath(cur, target);
    final = cur;
    s = await lstatOrNone(t.at(cur));
    if (!s) break;
  }
  if (!t.root) {
    pkg = (await dpkgOwner(path)) ?? (final !== path ? await dpkgOwner(final) : undefined);
    mta ??= pkg ? mtaIn(pkg) : undefined;
  }
  if (!mta) {
    const fst = await fsp.stat(t.at(final)).catch(() => undefined);
    if (fst?.isFile()) mta = await mtaInFile(t.at(final));
  }
  return { path, what, mta, pkg };
}

/** One line for the refusal: "/usr/sbin/sendmail: Postfix (a file of package postfix)". */
export function describeOccupant(o: Occupant): string {
  const by = o.pkg ? ` of package ${o.pkg}` : '';
  return `${o.path}: ${o.mta ?? 'not ours'} (${o.what}${by})`;
}

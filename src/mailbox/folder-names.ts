// IMAP folder names <-> Maildir++ directories: INBOX is the Maildir itself, a
// folder "a.b" is `<maildir>/.a.b/`, its directory name the modified UTF-7 of
// the name (as Dovecot writes it). Every name from a client passes through
// folderDir(), which refuses anything that could leave the user's Maildir.
import { join } from 'node:path';
import { MailroomError } from '../shared/errors.js';
import type { SpecialUse } from './folders.js';
import { decodeMutf7, encodeMutf7 } from './mutf7.js';

/** The hierarchy delimiter (Maildir++ and Dovecot's default). */
export const DELIMITER = '.';

/** A directory name is one path component: 255 octets on the usual filesystems. */
const MAX_DIR_NAME = 255;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function nameError(name: string, why: string): MailroomError {
  return new MailroomError('MAILBOX_NAME_INVALID', 'data', `invalid mailbox name ${JSON.stringify(name.slice(0, 80))}: ${why}`);
}

/**
 * The canonical form of a client's folder name, or a MAILBOX_NAME_INVALID
 * error: INBOX in any case is "INBOX" (also as the first component), other
 * names keep their case. Refused: empty components (so no leading, trailing
 * or doubled "."), "/" and "\" (path separators on disk), control characters,
 * the LIST wildcards "*" and "%", unpaired surrogates, and names whose
 * directory would be longer than a file name may be.
 */
export function canonicalName(name: string): string {
  if (name.length === 0) throw nameError(name, 'empty');
  if (/[\x00-\x1f\x7f]/.test(name)) throw nameError(name, 'control character');
  if (/[/\\*%]/.test(name)) throw nameError(name, '"/", "\\", "*" and "%" are not allowed');
  if (LONE_SURROGATE.test(name)) throw nameError(name, 'not valid Unicode');
  const parts = name.split(DELIMITER);
  if (parts.some((p) => p === '')) throw nameError(name, 'empty hierarchy level');
  if (parts[0]!.toUpperCase() === 'INBOX') parts[0] = 'INBOX';
  const canonical = parts.join(DELIMITER);
  if (canonical !== 'INBOX' && Buffer.byteLength(dirNameOf(canonical)) > MAX_DIR_NAME) throw nameError(name, 'too long');
  return canonical;
}

/** `.` + modified UTF-7: the directory of a (canonical, non-INBOX) folder. */
function dirNameOf(canonical: string): string {
  return DELIMITER + encodeMutf7(canonical);
}

/** The directory of a folder (canonical name); INBOX is the Maildir. */
export function folderPath(maildir: string, canonical: string): string {
  return canonical === 'INBOX' ? maildir : join(maildir, dirNameOf(canonical));
}

/** The folder a directory entry of the Maildir stands for; undefined when it is not one. */
export function folderOfDirName(entry: string): string | undefined {
  if (!entry.startsWith(DELIMITER) || entry.length < 2) return undefined;
  const name = decodeMutf7(entry.slice(1));
  if (name === undefined) return undefined;
  try {
    const canonical = canonicalName(name);
    // `.INBOX` would shadow the Maildir itself; a non-canonical spelling
    // (".inbox.x" next to ".INBOX.x") would be a second name for one folder.
    if (canonical === 'INBOX' || dirNameOf(canonical) !== entry) return undefined;
    return canonical;
  } catch {
    return undefined;
  }
}

/** The parents of a name, nearest last: "a.b.c" -> ["a", "a.b"]. */
export function parentsOf(canonical: string): string[] {
  const parts = canonical.split(DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join(DELIMITER));
  return out;
}

/** The special-use folders made for a new user, and the attribute each one carries (RFC 6154). */
export const SPECIAL_USE: ReadonlyMap<string, SpecialUse> = new Map<string, SpecialUse>([
  ['Sent', '\\Sent'],
  ['Drafts', '\\Drafts'],
  ['Trash', '\\Trash'],
  ['Junk', '\\Junk'],
]);

/** Folders recognised by name as special-use (the four above, and Archive when it exists). */
export function specialUseOf(canonical: string): SpecialUse | undefined {
  return SPECIAL_USE.get(canonical) ?? (canonical === 'Archive' ? '\\Archive' : undefined);
}

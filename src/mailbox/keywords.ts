// IMAP flags <-> Maildir info letters, as Dovecot and mutt read them: the
// system flags are D F R S T (\Draft \Flagged \Answered \Seen \Deleted), and
// keywords ($Forwarded, Junk, ...) are the letters a-z, mapped per folder by
// the `dovecot-keywords` file ("0 $Forwarded" is a, "1 Junk" is b, ...).
// Letters we do not know (P "passed", unmapped a-z) are kept as they are.
import { constants, promises as fsp, readFileSync, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { MailroomError } from '../shared/errors.js';
import { fileStamp } from '../shared/file-cache.js';

const SYSTEM: ReadonlyArray<readonly [string, string]> = [
  ['D', '\\Draft'],
  ['F', '\\Flagged'],
  ['R', '\\Answered'],
  ['S', '\\Seen'],
  ['T', '\\Deleted'],
];
const LETTER_OF = new Map(SYSTEM.map(([l, f]) => [f.toLowerCase(), l]));
const FLAG_OF = new Map(SYSTEM.map(([l, f]) => [l, f]));
/** Letters a-z: one folder holds at most 26 keywords in its file names. */
export const MAX_KEYWORDS = 26;
const KEYWORDS_FILE = 'dovecot-keywords';
/** RFC 3501 atom characters (no atom-specials), bounded in length. */
const KEYWORD_RE = /^[^\x00-\x20\x7f-\uffff(){%*"\\\]]{1,128}$/;

/** The flag letters of a location in the index ("n" = new/, "c<suffix>" = cur/). */
export function infoOf(loc: string): string {
  return loc.startsWith('c:2,') ? loc.slice(4) : '';
}

export class Keywords {
  private names: string[] = [];
  private stamp = '';
  private readonly flagCache = new Map<string, readonly string[]>();

  constructor(private readonly dir: string) {}

  /** Re-reads the keywords file when it changed on disk (one stat); true when the mapping changed. */
  refresh(): boolean {
    const st = statSync(join(this.dir, KEYWORDS_FILE), { throwIfNoEntry: false });
    const stamp = st ? fileStamp(st) : '';
    if (stamp === this.stamp) return false;
    this.stamp = stamp;
    const names: string[] = [];
    if (st) {
      let text = '';
      try {
        text = readFileSync(join(this.dir, KEYWORDS_FILE), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      for (const line of text.split('\n')) {
        const m = /^(\d+) (.+)$/.exec(line);
        if (m && Number(m[1]) < MAX_KEYWORDS && KEYWORD_RE.test(m[2]!)) names[Number(m[1])] = m[2]!;
      }
    }
    const changed = names.join('\n') !== this.names.join('\n');
    this.names = names;
    if (changed) this.flagCache.clear();
    return changed;
  }

  /** The keywords defined in this folder (for the FLAGS response). */
  defined(): string[] {
    return this.names.filter((n) => n !== undefined);
  }

  /** IMAP flags of a message from its info letters; one shared array per distinct info. */
  flagsOf(info: string): readonly string[] {
    let flags = this.flagCache.get(info);
    if (flags) return flags;
    const out: string[] = [];
    for (const ch of [...info].sort()) {
      const sys = FLAG_OF.get(ch);
      if (sys) out.push(sys);
      else if (ch >= 'a' && ch <= 'z') {
        const kw = this.names[ch.charCodeAt(0) - 97];
        if (kw) out.push(kw);
      }
    }
    flags = Object.freeze(out);
    this.flagCache.set(info, flags);
    return flags;
  }

  /**
   * The canonical spelling of a flag from a client: system flags in their
   * RFC 3501 case, a keyword as already defined here (keywords compare
   * case-insensitively). \Recent cannot be stored (undefined); other
   * backslash flags and non-atoms are refused.
   */
  canonical(flag: string): string | undefined {
    if (flag.startsWith('\\')) {
      const lower = flag.toLowerCase();
      if (lower === '\\recent') return undefined;
      const letter = LETTER_OF.get(lower);
      if (!letter) throw new MailroomError('FLAG_INVALID', 'data', `unknown system flag ${flag.slice(0, 40)}`);
      return FLAG_OF.get(letter)!;
    }
    if (!KEYWORD_RE.test(flag)) throw new MailroomError('FLAG_INVALID', 'data', `invalid keyword ${JSON.stringify(flag.slice(0, 40))}`);
    const lower = flag.toLowerCase();
    return this.names.find((n) => n !== undefined && n.toLowerCase() === lower) ?? flag;
  }

  /**
   * The info letters for a set of canonical flags, keeping the letters of
   * `oldInfo` that carry no flag we know. Keywords must have letters
   * already (ensure()).
   */
  infoFor(flags: Iterable<string>, oldInfo: string): string {
    let letters = '';
    for (const ch of oldInfo) {
      const known = FLAG_OF.has(ch) || (ch >= 'a' && ch <= 'z' && this.names[ch.charCodeAt(0) - 97] !== undefined);
      if (!known) letters += ch;
    }
    for (const flag of flags) {
      const sys = LETTER_OF.get(flag.toLowerCase());
      if (sys) letters += sys;
      else {
        const i = this.names.indexOf(flag);
        if (i < 0) throw new MailroomError('MAILBOX_KEYWORDS_FULL', 'data', `no letter for keyword ${flag.slice(0, 40)}`);
        letters += String.fromCharCode(97 + i);
      }
    }
    return [...new Set(letters)].sort().join('');
  }

  /**
   * Gives every keyword of `flags` a letter, adding the new ones to the file
   * under Dovecot's own lock (`dovecot-keywords.lock`, created exclusively,
   * written, then renamed over the file), so a Dovecot serving the same
   * Maildir never hands out the same letter for another keyword.
   * Past 26 keywords the new one is refused.
   */
  async ensure(flags: Iterable<string>): Promise<void> {
    const wanted = [...flags].filter((f) => !f.startsWith('\\'));
    if (wanted.every((f) => this.names.includes(f))) return;
    const file = join(this.dir, KEYWORDS_FILE);
    const lock = `${file}.lock`;
    const fh = await takeDotlock(lock);
    let renamed = false;
    try {
      this.stamp = '';
      this.refresh();
      let added = false;
      for (const flag of wanted) {
        if (this.names.includes(flag)) continue;
        let i = 0;
        while (i < MAX_KEYWORDS && this.names[i] !== undefined) i++;
        if (i >= MAX_KEYWORDS) throw new MailroomError('MAILBOX_KEYWORDS_FULL', 'data', `no room for keyword ${flag.slice(0, 40)}: a folder holds at most ${MAX_KEYWORDS}`);
        this.names[i] = flag;
        added = true;
      }
      if (!added) return;
      this.flagCache.clear();
      await fh.writeFile(this.names.map((n, i) => (n === undefined ? '' : `${i} ${n}\n`)).join(''));
      await fh.sync();
      await fsp.rename(lock, file);
      renamed = true;
      const st = statSync(file, { throwIfNoEntry: false });
      this.stamp = st ? fileStamp(st) : '';
    } finally {
      await fh.close();
      if (!renamed) await fsp.unlink(lock).catch(() => undefined);
    }
  }
}

/** Dovecot's dotlock: the lock file created exclusively; one older than 30 s is a crashed holder's. */
async function takeDotlock(lock: string): Promise<FileHandle> {
  const until = Date.now() + 5000;
  for (;;) {
    try {
      return await fsp.open(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = statSync(lock, { throwIfNoEntry: false });
    if (st && Date.now() - st.mtimeMs > 30_000) await fsp.unlink(lock).catch(() => undefined);
    else if (Date.now() > until) throw new MailroomError('MAILBOX_BUSY', 'the keywords file is locked; try again');
    else await new Promise((r) => setTimeout(r, 20));
  }
}

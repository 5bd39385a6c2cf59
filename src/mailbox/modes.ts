// Modes of what the folder store creates inside a Maildir: as shared as the
// Maildir itself. Under privilege separation local delivery makes Maildirs
// 2770 with the daemon's group, so that POP3 and IMAP (the daemon's account)
// can serve them; folders and messages made there by IMAP are then 2770 and
// 0640 too. A private Maildir (0700) gets private folders and messages.
import { chmodSync, statSync } from 'node:fs';

export interface CreateModes {
  readonly dir: number;
  readonly file: number;
}

const PRIVATE: CreateModes = { dir: 0o700, file: 0o600 };
const GROUP: CreateModes = { dir: 0o2770, file: 0o640 };

/** The modes for new entries under `dir` (a Maildir or one of its folders). */
export function modesUnder(dir: string): CreateModes {
  try {
    return statSync(dir).mode & 0o070 ? GROUP : PRIVATE;
  } catch {
    return PRIVATE;
  }
}

/** Sets a new directory's mode exactly (mkdir's mode is cut by the umask). */
export function fixDirMode(path: string, modes: CreateModes): void {
  if (modes !== PRIVATE) chmodSync(path, modes.dir);
}

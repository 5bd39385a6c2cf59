// Who runs sendmail: uid, login name and the full name from /etc/passwd (GECOS).
// The daemon never trusts this: it takes the owner of the drop file.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

export interface Identity {
  uid: number;
  user: string;
}

export function currentIdentity(): Identity {
  const uid = process.getuid?.() ?? -1;
  try {
    return { uid, user: userInfo().username };
  } catch {
    return { uid, user: `uid${uid}` };
  }
}

/** The GECOS full name of a user, or undefined. */
export function gecosName(user: string): string | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user) return f[4]?.split(',')[0]?.trim() || undefined;
    }
  } catch {
    /* no passwd file: no full name */
  }
  return undefined;
}

// Who runs sendmail: uid, login name and the full name from /etc/passwd (GECOS).
// The daemon never trusts this: it takes the owner of the drop file.
import { userInfo } from 'node:os';
import { systemAccount } from '../../shared/passwd.js';
import type { Identity } from '../compose.js';

export type { Identity };

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
  return systemAccount(user)?.fullName || undefined;
}

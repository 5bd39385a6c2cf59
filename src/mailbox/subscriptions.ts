// The `subscriptions` file in the Maildir root, in Dovecot's format so both
// servers agree: version 2 is "V\t2\n\n" then one name per line, modified
// UTF-7, hierarchy levels separated by a tab; version 1 (older Dovecot,
// Courier) is one name per line with "." between levels. We read both and
// write version 2.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { canonicalName, DELIMITER } from './folder-names.js';
import { isGone } from './maildir.js';
import { decodeMutf7, encodeMutf7 } from './mutf7.js';

export const SUBSCRIPTIONS_FILE = 'subscriptions';
const HEADER = 'V\t2\n\n';

/** The subscribed names (canonical), or undefined when there is no file yet. */
export async function readSubscriptions(maildir: string): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(join(maildir, SUBSCRIPTIONS_FILE), 'utf8');
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
  const v2 = text.startsWith('V\t2\n');
  const lines = text.split('\n').slice(v2 ? 1 : 0);
  const out = new Set<string>();
  for (const line of lines) {
    if (!line) continue;
    const decoded = decodeMutf7(v2 ? line.split('\t').join(DELIMITER) : line);
    if (decoded === undefined) continue;
    try {
      out.add(canonicalName(decoded));
    } catch {
      /* a name we would refuse: not ours to show */
    }
  }
  return [...out];
}

/** Replaces the file (tmp + rename: a reader sees the old list or the new one). */
export async function writeSubscriptions(maildir: string, names: Iterable<string>): Promise<void> {
  const body = [...new Set(names)].map((n) => `${encodeMutf7(n).split(DELIMITER).join('\t')}\n`).join('');
  const file = join(maildir, SUBSCRIPTIONS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, HEADER + body, { mode: 0o600 });
  await fsp.rename(tmp, file);
}

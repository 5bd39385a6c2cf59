// The multi-line answer shared by LIST and UIDL: "n value" for every message
// not marked deleted, written in large chunks.
import type { MessageEntry } from '../mailbox/store.js';
import type { CommandSession } from './command.js';

export async function scanListing(s: CommandSession, value: (m: MessageEntry) => string): Promise<void> {
  let out = '+OK\r\n';
  for (let i = 0; i < s.messages.length; i++) {
    if (s.deleted.has(i + 1)) continue;
    out += `${i + 1} ${value(s.messages[i]!)}\r\n`;
    if (out.length > 64 * 1024) {
      s.sock.write(out, 'latin1');
      out = '';
      await s.drained();
    }
  }
  s.sock.write(`${out}.\r\n`, 'latin1');
}

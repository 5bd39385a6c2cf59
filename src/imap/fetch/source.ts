// The octets a command works on, read from the folder at most once per message
// and command: the header block alone (Folder.readHeader, cheaper) when only
// header items are asked, else the whole message with its header sliced off it.
import type { Folder } from '../../mailbox/folders.js';

/** The header block of a whole message: up to and including the empty line (the whole buffer if it has none). */
export function headerOf(message: Buffer): Buffer {
  const end = message.indexOf('\r\n\r\n');
  if (end >= 0) return message.subarray(0, end + 4);
  // A message that starts with its empty line has an empty header.
  if (message.subarray(0, 2).toString() === '\r\n') return message.subarray(0, 2);
  return message;
}

/** What one message's evaluation or response has loaded. */
export interface Loaded {
  header?: Buffer | undefined;
  message?: Buffer | undefined;
  /** The file vanished (another session, POP3 or mutt removed it). */
  gone?: boolean;
}

/** Loads what is missing of `need` into `into`; returns false when the message vanished meanwhile. */
export function load(folder: Folder, uid: number, need: 'header' | 'message', into: Loaded): boolean {
  if (into.gone) return false;
  if (need === 'header' && into.header) return true;
  if (need === 'message' && into.message) return true;
  if (need === 'header') {
    into.header = folder.readHeader(uid);
    if (!into.header) into.gone = true;
  } else {
    into.message = folder.read(uid);
    if (into.message) into.header = headerOf(into.message);
    else into.gone = true;
  }
  return !into.gone;
}

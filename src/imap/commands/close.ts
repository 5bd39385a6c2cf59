// CLOSE (RFC 3501 §6.4.2): expunges \Deleted messages silently (not in a
// read-only mailbox) and returns to AUTHENTICATED. UNSELECT is unselect.ts.
import { SELECTED, type ImapHandler } from './handler.js';

export const close: ImapHandler<'CLOSE'> = {
  states: SELECTED,
  announce: false,
  async run(s) {
    const sel = s.selected!;
    if (!sel.readOnly) await sel.folder.expunge();
    s.deselect();
    return { status: 'OK', text: 'CLOSE completed' };
  },
};

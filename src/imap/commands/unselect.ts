// UNSELECT (RFC 3691): leaves the mailbox without expunging.
import { SELECTED, type ImapHandler } from './handler.js';

export const unselect: ImapHandler<'UNSELECT'> = {
  states: SELECTED,
  announce: false,
  async run(s) {
    s.deselect();
    return { status: 'OK', text: 'UNSELECT completed' };
  },
};

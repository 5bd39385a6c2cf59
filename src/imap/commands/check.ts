// CHECK (RFC 3501 §6.4.1): the folder store writes through, so there is
// nothing to flush; the announce after it reports what changed.
import { SELECTED, type ImapHandler } from './handler.js';

export const check: ImapHandler<'CHECK'> = {
  states: SELECTED,
  async run() {
    return { status: 'OK', text: 'CHECK completed' };
  },
};

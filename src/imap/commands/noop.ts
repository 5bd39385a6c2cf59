// NOOP (RFC 3501 §6.1.2): nothing, but in SELECTED state the session's
// announce after it sends what changed (the usual way clients poll).
import { ANY, type ImapHandler } from './handler.js';

export const noop: ImapHandler<'NOOP'> = {
  states: ANY,
  async run() {
    return { status: 'OK', text: 'NOOP completed' };
  },
};

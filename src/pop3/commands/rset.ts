// RSET (RFC 1939 §5): unmarks every message marked deleted.
import type { Pop3Command } from '../command.js';

export const rset: Pop3Command = {
  verb: 'RSET',
  states: ['TRANSACTION'],
  args: [0, 0],
  run(s) {
    s.deleted.clear();
    s.send(`+OK ${s.messages.length} messages.`);
  },
};

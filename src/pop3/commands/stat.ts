// STAT (RFC 1939 §5): count and total size of the messages not marked deleted.
import type { Pop3Command } from '../command.js';

export const stat: Pop3Command = {
  verb: 'STAT',
  states: ['TRANSACTION'],
  args: [0, 0],
  run(s) {
    let count = 0;
    let size = 0;
    s.messages.forEach((m, i) => {
      if (s.deleted.has(i + 1)) return;
      count++;
      size += m.size;
    });
    s.send(`+OK ${count} ${size}`);
  },
};

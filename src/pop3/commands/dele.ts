// DELE msg (RFC 1939 §5): only marks; the file is removed at QUIT (UPDATE).
import { messageArg, type Pop3Command } from '../command.js';

export const dele: Pop3Command = {
  verb: 'DELE',
  states: ['TRANSACTION'],
  args: [1, 1],
  run(s, args) {
    const m = messageArg(s, args[0]);
    if (!m) return;
    s.deleted.add(m.n);
    s.send(`+OK Message ${m.n} deleted.`);
  },
};

// DELE msg (RFC 1939 §5): only marks; the file is removed at QUIT (UPDATE).
import { parseNumber, type Pop3Command } from '../command.js';

export const dele: Pop3Command = {
  verb: 'DELE',
  states: ['TRANSACTION'],
  run(s, args) {
    const n = parseNumber(args[0]);
    if (args.length !== 1 || !s.message(n)) return void s.send('-ERR No such message.');
    s.deleted.add(n!);
    s.send(`+OK Message ${n} deleted.`);
  },
};

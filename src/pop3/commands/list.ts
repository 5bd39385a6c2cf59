// LIST [msg] (RFC 1939 §5): sizes in octets as sent on the wire (CRLF).
import { parseNumber, type Pop3Command } from '../command.js';
import { scanListing } from '../scan-listing.js';

export const list: Pop3Command = {
  verb: 'LIST',
  states: ['TRANSACTION'],
  async run(s, args) {
    if (args.length > 0) {
      const n = parseNumber(args[0]);
      const m = s.message(n);
      return void s.send(m ? `+OK ${n} ${m.size}` : '-ERR No such message.');
    }
    await scanListing(s, (m) => String(m.size));
  },
};

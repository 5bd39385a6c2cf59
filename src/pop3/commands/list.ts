// LIST [msg] (RFC 1939 §5): sizes in octets as sent on the wire (CRLF).
import { messageArg, type Pop3Command } from '../command.js';
import { scanListing } from '../scan-listing.js';

export const list: Pop3Command = {
  verb: 'LIST',
  states: ['TRANSACTION'],
  args: [0, 1],
  async run(s, args) {
    if (args.length > 0) {
      const m = messageArg(s, args[0]);
      return void (m && s.send(`+OK ${m.n} ${m.entry.size}`));
    }
    await scanListing(s, (m) => String(m.size));
  },
};

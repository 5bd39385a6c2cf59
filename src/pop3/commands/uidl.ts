// UIDL [msg] (RFC 1939 §7): the Maildir base name, stable across sessions and restarts.
import { parseNumber, type Pop3Command } from '../command.js';
import { scanListing } from '../scan-listing.js';

export const uidl: Pop3Command = {
  verb: 'UIDL',
  states: ['TRANSACTION'],
  async run(s, args) {
    if (args.length > 0) {
      const n = parseNumber(args[0]);
      const m = s.message(n);
      return void s.send(m ? `+OK ${n} ${m.uidl}` : '-ERR No such message.');
    }
    await scanListing(s, (m) => m.uidl);
  },
};

// UIDL [msg] (RFC 1939 §7): the Maildir base name, stable across sessions and restarts.
import { messageArg, type Pop3Command } from '../command.js';
import { scanListing } from '../scan-listing.js';

export const uidl: Pop3Command = {
  verb: 'UIDL',
  states: ['TRANSACTION'],
  args: [0, 1],
  async run(s, args) {
    if (args.length > 0) {
      const m = messageArg(s, args[0]);
      return void (m && s.send(`+OK ${m.n} ${m.entry.uidl}`));
    }
    await scanListing(s, (m) => m.uidl);
  },
};

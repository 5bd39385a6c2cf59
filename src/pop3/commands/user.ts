// USER name (RFC 1939 §7): remembers the name for PASS.
import type { Pop3Command } from '../command.js';
import { PLAINTEXT_REFUSED } from '../login.js';

export const user: Pop3Command = {
  verb: 'USER',
  states: ['AUTHORIZATION'],
  args: [1, 1],
  run(s, args) {
    if (!s.plaintextAllowed) return void s.send(PLAINTEXT_REFUSED);
    s.pendingUser = args[0];
    s.send('+OK');
  },
};

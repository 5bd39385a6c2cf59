// PASS string (RFC 1939 §7): the rest of the line is the password, spaces included.
import type { Pop3Command } from '../command.js';
import { login } from '../login.js';

export const pass: Pop3Command = {
  verb: 'PASS',
  states: ['AUTHORIZATION'],
  async run(s, _args, rest) {
    const name = s.pendingUser;
    s.pendingUser = undefined;
    if (name === undefined) return void s.send('-ERR No username given (send USER first).');
    await login(s, name, rest);
  },
};

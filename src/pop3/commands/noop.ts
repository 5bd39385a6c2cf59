// NOOP (RFC 1939 §5).
import type { Pop3Command } from '../command.js';

export const noop: Pop3Command = {
  verb: 'NOOP',
  states: ['TRANSACTION'],
  args: [0, 0],
  run(s) {
    s.send('+OK');
  },
};

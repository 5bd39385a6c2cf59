// CAPA (RFC 2449 §5). USER and SASL are listed only where a plain-text login
// would be accepted; STLS only before TLS, in AUTHORIZATION state.
import type { Pop3Command } from '../command.js';

export const capa: Pop3Command = {
  verb: 'CAPA',
  states: ['AUTHORIZATION', 'TRANSACTION'],
  args: [0, 0],
  run(s) {
    const lines = ['+OK Capability list follows', 'TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
    if (s.state === 'AUTHORIZATION') {
      if (s.plaintextAllowed) lines.push('USER', 'SASL PLAIN');
      if (!s.secure && s.ctx.starttls && s.ctx.secureContext) lines.push('STLS');
    }
    lines.push('IMPLEMENTATION mailroom', '.');
    s.send(lines.join('\r\n'));
  },
};

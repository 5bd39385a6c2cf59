// STLS (RFC 2595 §4): only before login, only once, only when a certificate
// is configured. Anything the client pipelined before the handshake is dropped.
import type { Pop3Command } from '../command.js';

export const stls: Pop3Command = {
  verb: 'STLS',
  states: ['AUTHORIZATION'],
  args: [0, 0],
  run(s) {
    if (s.secure) return void s.send('-ERR TLS is already active.');
    if (!s.ctx.starttls || !s.ctx.secureContext) return void s.send('-ERR TLS support is not enabled.');
    s.send('+OK Begin TLS negotiation now.');
    s.startTls();
  },
};

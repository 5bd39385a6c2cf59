// STARTTLS (RFC 3501 §6.2.1): only on a plain connection of a listener that
// offers it; the OK goes out in plain text, then the TLS handshake starts.
import { UNAUTHED, type ImapHandler } from './handler.js';

export const starttls: ImapHandler<'STARTTLS'> = {
  states: UNAUTHED,
  async run(s, cmd) {
    if (s.secure) return { status: 'BAD', text: 'TLS is already active' };
    if (!s.ctx.starttls || !s.ctx.secureContext) return { status: 'BAD', text: 'STARTTLS is not offered here' };
    s.send(`${cmd.tag} OK Begin TLS negotiation now`);
    s.startTls();
  },
};

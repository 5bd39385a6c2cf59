// LOGOUT (RFC 3501 §6.1.3): BYE, then the tagged OK, then the connection closes.
import { ANY, type ImapHandler } from './handler.js';

export const logout: ImapHandler<'LOGOUT'> = {
  states: ANY,
  announce: false,
  async run(s, cmd) {
    s.send('* BYE Logging out');
    s.send(`${cmd.tag} OK LOGOUT completed`);
    if (s.user) s.log.info('imap logged out', { sid: s.sid, user: s.user });
    s.close();
  },
};

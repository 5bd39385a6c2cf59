// ID (RFC 2971): the client's identification is logged (bounded by the
// parser), the server says its name.
import { ANY, type ImapHandler } from './handler.js';

export const id: ImapHandler<'ID'> = {
  states: ANY,
  async run(s, cmd) {
    if (cmd.params) s.log.debug('imap client id', { sid: s.sid, name: cmd.params['name'] ?? undefined, version: cmd.params['version'] ?? undefined });
    s.send('* ID ("name" "mailroom")');
    return { status: 'OK', text: 'ID completed' };
  },
};

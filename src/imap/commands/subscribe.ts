// SUBSCRIBE and UNSUBSCRIBE (RFC 3501 §6.3.6-6.3.7).
import { refuseName, storeFailure } from '../mailbox-names.js';
import { AUTHED, type ImapHandler } from './handler.js';

export const subscribe: ImapHandler<'SUBSCRIBE' | 'UNSUBSCRIBE'> = {
  states: AUTHED,
  async run(s, cmd) {
    const refused = cmd.mailbox === 'INBOX' ? undefined : refuseName(cmd.mailbox);
    if (refused) return refused;
    try {
      await s.store.subscribe(cmd.mailbox, cmd.name === 'SUBSCRIBE');
    } catch (err) {
      return storeFailure(err, s.log, { sid: s.sid, user: s.user, command: cmd.name });
    }
    return { status: 'OK', text: `${cmd.name} completed` };
  },
};

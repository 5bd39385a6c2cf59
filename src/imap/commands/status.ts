// STATUS (RFC 3501 §6.3.10, RFC 7162 HIGHESTMODSEQ): counts from the folder
// store's index, without selecting the mailbox.
import { refuseName, storeFailure, wireName } from '../mailbox-names.js';
import { AUTHED, type ImapHandler } from './handler.js';

const FIELD = { MESSAGES: 'messages', RECENT: 'recent', UIDNEXT: 'uidNext', UIDVALIDITY: 'uidValidity', UNSEEN: 'unseen', HIGHESTMODSEQ: 'highestModseq', SIZE: 'size' } as const;

export const status: ImapHandler<'STATUS'> = {
  states: AUTHED,
  async run(s, cmd) {
    const refused = cmd.mailbox === 'INBOX' ? undefined : refuseName(cmd.mailbox);
    if (refused) return refused;
    let st: Awaited<ReturnType<typeof s.store.status>>;
    try {
      st = await s.store.status(cmd.mailbox);
    } catch (err) {
      return storeFailure(err, s.log, { sid: s.sid, user: s.user, command: 'STATUS' });
    }
    const items = cmd.items.map((i) => `${i} ${st[FIELD[i as keyof typeof FIELD]]}`);
    s.send(`* STATUS ${wireName(cmd.mailbox)} (${items.join(' ')})`);
    return { status: 'OK', text: 'STATUS completed' };
  },
};

// CREATE, DELETE and RENAME (RFC 3501 §6.3.3-6.3.5), through the user's own
// folder store only. A trailing "." on CREATE asks only for the hierarchy
// level (§6.3.3), so it is dropped. INBOX cannot be created or deleted.
import { refuseName, storeFailure } from '../mailbox-names.js';
import { AUTHED, type ImapHandler } from './handler.js';

export const create: ImapHandler<'CREATE'> = {
  states: AUTHED,
  async run(s, cmd) {
    const name = cmd.mailbox.replace(/\.$/, '');
    if (name.toUpperCase() === 'INBOX') return { status: 'NO', code: 'ALREADYEXISTS', text: 'INBOX always exists' };
    const refused = refuseName(name);
    if (refused) return refused;
    try {
      await s.store.create(name);
    } catch (err) {
      return storeFailure(err, s.log, { sid: s.sid, user: s.user, command: 'CREATE' });
    }
    return { status: 'OK', text: 'CREATE completed' };
  },
};

export const del: ImapHandler<'DELETE'> = {
  states: AUTHED,
  async run(s, cmd) {
    if (cmd.mailbox === 'INBOX') return { status: 'NO', code: 'CANNOT', text: 'INBOX cannot be deleted' };
    const refused = refuseName(cmd.mailbox);
    if (refused) return refused;
    if (s.selected?.folder.name === cmd.mailbox) s.deselect(); // as Dovecot: deleting the selected mailbox unselects it
    try {
      await s.store.delete(cmd.mailbox);
    } catch (err) {
      return storeFailure(err, s.log, { sid: s.sid, user: s.user, command: 'DELETE' });
    }
    return { status: 'OK', text: 'DELETE completed' };
  },
};

export const rename: ImapHandler<'RENAME'> = {
  states: AUTHED,
  async run(s, cmd) {
    const refused = (cmd.from === 'INBOX' ? undefined : refuseName(cmd.from)) ?? refuseName(cmd.to);
    if (refused) return refused;
    if (cmd.to === 'INBOX') return { status: 'NO', code: 'ALREADYEXISTS', text: 'INBOX always exists' };
    try {
      await s.store.rename(cmd.from, cmd.to);
    } catch (err) {
      return storeFailure(err, s.log, { sid: s.sid, user: s.user, command: 'RENAME' });
    }
    return { status: 'OK', text: 'RENAME completed' };
  },
};

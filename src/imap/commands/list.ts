// LIST and LSUB (RFC 3501 §6.3.8-6.3.9) with RFC 6154 special-use
// attributes, CHILDREN's \HasChildren/\HasNoChildren (RFC 3348), \Noselect,
// and the RFC 5258 selection (SUBSCRIBED, SPECIAL-USE) and return
// (SUBSCRIBED) options. "*" matches across levels, "%" within one.
import type { FolderInfo } from '../../mailbox/folders.js';
import { storeFailure, wireName } from '../mailbox-names.js';
import { AUTHED, type ImapHandler } from './handler.js';

/** The pattern as a regular expression (INBOX matched in any case). */
export function patternRegExp(reference: string, pattern: string): RegExp {
  const full = reference === '' || pattern.startsWith('.') ? reference + pattern : reference.endsWith('.') ? reference + pattern : `${reference}.${pattern}`;
  const body = [...full].map((ch) => (ch === '*' ? '.*' : ch === '%' ? '[^.]*' : ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 'u');
}

function matches(re: RegExp, name: string): boolean {
  return re.test(name) || (name === 'INBOX' && re.test('inbox')) || (name.startsWith('INBOX.') && re.test(`inbox${name.slice(5)}`));
}

export const list: ImapHandler<'LIST' | 'LSUB'> = {
  states: AUTHED,
  async run(s, cmd) {
    const lsub = cmd.name === 'LSUB';
    if (cmd.pattern === '' && !lsub) {
      // RFC 3501 §6.3.8: an empty pattern asks for the hierarchy delimiter.
      s.send('* LIST (\\Noselect) "." ""');
      return { status: 'OK', text: 'LIST completed' };
    }
    let folders: FolderInfo[];
    try {
      folders = await s.store.list();
    } catch (err) {
      return storeFailure(err, s.log, { sid: s.sid, user: s.user, command: cmd.name });
    }
    const re = patternRegExp(cmd.reference, cmd.pattern);
    const onlySubscribed = lsub || cmd.selectSubscribed === true;
    for (const f of folders) {
      if (!matches(re, f.name)) continue;
      if (onlySubscribed && !f.subscribed) continue;
      if (cmd.selectSpecialUse && !f.specialUse) continue;
      const attrs: string[] = [];
      if (f.noselect) attrs.push('\\Noselect');
      if (!lsub) attrs.push(f.hasChildren ? '\\HasChildren' : '\\HasNoChildren');
      if (f.specialUse && !lsub) attrs.push(f.specialUse);
      if (f.subscribed && (cmd.selectSubscribed || cmd.returnSubscribed)) attrs.push('\\Subscribed');
      s.send(`* ${cmd.name} (${attrs.join(' ')}) "." ${wireName(f.name)}`);
    }
    return { status: 'OK', text: `${cmd.name} completed` };
  },
};

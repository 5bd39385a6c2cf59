// CAPABILITY (RFC 3501 §6.1.1): what this server offers, which depends on the
// connection: STARTTLS and LOGINDISABLED before TLS where plain-text logins
// are refused, AUTH=PLAIN where they are allowed, and no login-related ones
// once authenticated. Also used in the greeting and the tagged OK of a login.
import type { ImapHandler } from './handler.js';
import type { ImapSession } from '../session-api.js';

const COMMON = ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UNSELECT', 'UIDPLUS', 'MOVE', 'CHILDREN', 'SPECIAL-USE', 'CONDSTORE', 'QRESYNC'];

export function capabilities(s: ImapSession): string {
  const caps = [...COMMON];
  if (s.state === 'NOT AUTHENTICATED') {
    if (!s.secure && s.ctx.starttls && s.ctx.secureContext) caps.push('STARTTLS');
    if (s.plaintextAllowed) caps.push('AUTH=PLAIN');
    else caps.push('LOGINDISABLED');
  }
  return caps.join(' ');
}

export const capability: ImapHandler<'CAPABILITY'> = {
  states: ['NOT AUTHENTICATED', 'AUTHENTICATED', 'SELECTED'],
  async run(s) {
    s.send(`* CAPABILITY ${capabilities(s)}`);
    return { status: 'OK', text: 'CAPABILITY completed' };
  },
};

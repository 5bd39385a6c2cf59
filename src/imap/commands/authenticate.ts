// AUTHENTICATE PLAIN (RFC 3501 §6.2.2, RFC 4959 SASL-IR): the response comes
// with the command or after an empty `+ ` continuation; `*` cancels. Other
// mechanisms are NO. The response line is bounded by the command reader.
import { decodePlain } from '../../users/sasl-plain.js';
import { login, PLAINTEXT_REFUSED } from '../login.js';
import { UNAUTHED, type ImapHandler } from './handler.js';

export const authenticate: ImapHandler<'AUTHENTICATE'> = {
  states: UNAUTHED,
  async run(s, cmd) {
    if (cmd.mechanism !== 'PLAIN') return { status: 'NO', text: 'Unsupported authentication mechanism' };
    if (!s.plaintextAllowed) return PLAINTEXT_REFUSED;
    let response = cmd.initial;
    if (response === undefined) {
      s.send('+ ');
      const line = await s.readLine();
      if (!line) return;
      if (line.kind !== 'line') return { status: 'BAD', text: 'Line too long' };
      response = line.bytes.toString('latin1').trim();
      if (response === '*') return { status: 'BAD', text: 'Authentication cancelled' };
    }
    const creds = response === '=' ? undefined : decodePlain(response);
    if (!creds) return { status: 'BAD', text: 'Invalid base64 data in the PLAIN response' };
    if (creds.authzid !== '' && creds.authzid.toLowerCase() !== creds.user.toLowerCase()) {
      return { status: 'NO', code: 'AUTHORIZATIONFAILED', text: 'Authorization as another user is not allowed' };
    }
    return login(s, creds.user, creds.password);
  },
};

// AUTH PLAIN (RFC 5034, RFC 4616): with an initial response (within the
// 255-octet command line), or after an empty `+ ` continuation, whose response
// line may be longer; `*` cancels. A bare AUTH lists the mechanisms, as many
// clients expect.
import type { Pop3Command } from '../command.js';
import { decodePlain } from '../../users/sasl-plain.js';
import { login, PLAINTEXT_REFUSED } from '../login.js';

export const auth: Pop3Command = {
  verb: 'AUTH',
  states: ['AUTHORIZATION'],
  args: [0, 2],
  async run(s, args) {
    if (args.length === 0) {
      s.send(s.plaintextAllowed ? '+OK\r\nPLAIN\r\n.' : '+OK\r\n.');
      return;
    }
    if (args[0]!.toUpperCase() !== 'PLAIN') return void s.send('-ERR [AUTH] Unsupported authentication mechanism.');
    if (!s.plaintextAllowed) return void s.send(PLAINTEXT_REFUSED);
    let response: string | undefined = args[1];
    if (response === undefined) {
      s.send('+ ');
      // The response line may pass 255 octets (RFC 5034 §4); the reader's hard cap bounds it.
      const line = await s.readLine();
      if (line === undefined) return;
      if (line.overflow) {
        s.send('-ERR Line too long.');
        return s.close();
      }
      response = line.bytes.toString('latin1').trim();
      if (response === '*') return void s.send('-ERR Authentication cancelled.');
    }
    const creds = response === '=' ? undefined : decodePlain(response);
    if (!creds) return void s.badCommand('-ERR Invalid base64 data in the PLAIN response.');
    if (creds.authzid !== '' && creds.authzid.toLowerCase() !== creds.user.toLowerCase()) {
      return void s.send('-ERR [AUTH] Authorization as another user is not allowed.');
    }
    await login(s, creds.user, creds.password);
  },
};

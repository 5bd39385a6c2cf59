// AUTH PLAIN (RFC 5034, RFC 4616): with an initial response (within the
// 255-octet command line), or after an empty `+ ` continuation, whose response
// line may be longer; `*` cancels. A bare AUTH lists the mechanisms, as many
// clients expect.
import type { Pop3Command } from '../command.js';
import { login, PLAINTEXT_REFUSED } from '../login.js';

function decodePlain(b64: string): { authzid: string; user: string; password: string } | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const parts = Buffer.from(b64, 'base64').toString('utf8').split('\0');
  if (parts.length !== 3 || !parts[1]) return undefined;
  return { authzid: parts[0]!, user: parts[1], password: parts[2]! };
}

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

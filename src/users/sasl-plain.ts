// The SASL PLAIN message (RFC 4616): base64 of authzid NUL authcid NUL passwd.
// Shared by POP3 AUTH and IMAP AUTHENTICATE.

export interface PlainCredentials {
  authzid: string;
  user: string;
  password: string;
}

/** Decodes a PLAIN response; undefined when it is not valid base64 or not three fields. */
export function decodePlain(b64: string): PlainCredentials | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const parts = Buffer.from(b64, 'base64').toString('utf8').split('\0');
  if (parts.length !== 3 || !parts[1]) return undefined;
  return { authzid: parts[0]!, user: parts[1], password: parts[2]! };
}

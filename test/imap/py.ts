// Runs a Python imaplib script (Debian's /usr/bin/python3) and parses its JSON output.
export { python } from '../pop3/py.js';

/** Python prelude: imaplib connected to PORT, helpers that decode responses. */
export const IMAPLIB = `import imaplib, json, os, ssl
def s(x):
    if isinstance(x, (list, tuple)):
        return [s(v) for v in x]
    return x.decode() if isinstance(x, bytes) else x
M = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']), timeout=20)
`;

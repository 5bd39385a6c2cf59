// The certificate and key of the top-level `tls` made into a TLS context, for
// the servers that offer TLS (POP3, IMAP) when they start and when they reload,
// and for a reload's check of new files. An error names the server, never the
// key material.
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { MailroomError } from './errors.js';

export interface TlsMaterial {
  pem: { cert: Buffer; key: Buffer };
  secureContext: SecureContext;
}

/** Reads `files` and builds a context; TLS_CERT_UNREADABLE (its cause the original error) when that fails. */
export function loadTlsMaterial(who: string, files: { cert: string; key: string }): TlsMaterial {
  try {
    const pem = { cert: readFileSync(files.cert), key: readFileSync(files.key) };
    return { pem, secureContext: createSecureContext(pem) };
  } catch (err) {
    throw new MailroomError('TLS_CERT_UNREADABLE', `${who}: cannot load tls.cert/tls.key: ${(err as Error).message}`, { cause: err });
  }
}

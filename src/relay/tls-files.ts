// The CA and client certificate a smart host names (relay.smarthosts[].ca,
// .clientCert), read once per configuration rather than on every connection:
// kept per Target, and targets.ts gives one Target per entry of the (frozen)
// configuration, so a reload, which builds a new configuration, reads them
// again. A failed read is not kept: the next connection tries again.
import { readFileSync } from 'node:fs';
import type { Target } from './targets.js';

export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

const read = new WeakMap<Target, TlsFiles>();

/** The target's TLS files as tls.connect options (none for a target that names none). */
export function tlsFilesOf(t: Target): TlsFiles {
  if (!t.ca && !t.clientCert) return {};
  let files = read.get(t);
  if (!files) {
    files = {};
    if (t.ca) files.ca = readFileSync(t.ca);
    if (t.clientCert) {
      files.cert = readFileSync(t.clientCert.cert);
      files.key = readFileSync(t.clientCert.key);
    }
    read.set(t, files);
  }
  return files;
}

// When a plain-text password may be sent (RFC 2595 §2.1): over TLS,
// or on a loopback connection (which never leaves the machine).
import { isIP } from 'node:net';

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  if (isIP(a) === 4) return a.startsWith('127.');
  return a === '::1';
}

export interface TransportFacts {
  secure: boolean;
  remoteAddress: string | undefined;
  /** Whether loopback counts as safe (always in production; tests turn it off). */
  loopbackIsSecure: boolean;
}

/** True when USER/PASS and AUTH PLAIN may be used on this connection. */
export function isPlaintextAllowed(t: TransportFacts): boolean {
  return t.secure || (t.loopbackIsSecure && isLoopback(t.remoteAddress));
}

// Who may send what through a network listener: the relay rule at RCPT (an
// authenticated user or a client in relayFrom may relay anywhere, everyone
// else only to the local domains), the forms of address that are never
// relayed (source routes, % and ! in the local part, a quoted "@": old ways
// to make a server forward mail onwards, RFC 5321 §3.6.1 and appendix C), and
// the sender addresses an authenticated user owns.
import { BlockList, isIP } from 'node:net';
import { stripBrackets } from '../../message/address.js';

/** The relayFrom networks as a BlockList (IPv4 ones also match IPv4-mapped IPv6 clients). */
export function networksOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/') as [string, string | undefined];
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
  }
  return list;
}

/** The client's address without the IPv4-mapped prefix. */
export function plainAddress(address: string | undefined): string {
  const a = address ?? '';
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

export function inNetworks(list: BlockList, address: string | undefined): boolean {
  const a = plainAddress(address);
  const family = isIP(a);
  return family !== 0 && list.check(a, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Whether a password may cross this connection without TLS: only from the
 * machine itself, which we take to be 127.0.0.1 or ::1 exactly. Other
 * 127.0.0.0/8 addresses are treated like remote clients: containers and test
 * set-ups use them to stand for other hosts, and real local clients use 127.0.0.1.
 */
export function isOwnHost(address: string | undefined): boolean {
  const a = plainAddress(address);
  return a === '127.0.0.1' || a === '::1';
}

/** Why a RCPT path (as written, with its brackets) asks for forwarding we never do; undefined when it does not. */
export function forwardingForm(path: string): string | undefined {
  const p = stripBrackets(path.trim());
  if (p.startsWith('@')) return 'source route';
  const at = p.lastIndexOf('@');
  const local = at < 0 ? p : p.slice(0, at);
  if (local.startsWith('"') && local.slice(1).includes('@')) return 'quoted @ in the local part';
  if (local.includes('%')) return '% in the local part';
  if (local.includes('!')) return '! in the local part';
  return undefined;
}

/** True when `address` (lower-cased) is one the user may send as: user@each local domain, and the users file's extras. */
export function ownsSender(user: string, address: string, localDomains: readonly string[], extras: readonly string[]): boolean {
  const a = address.toLowerCase();
  const at = a.lastIndexOf('@');
  if (at <= 0) return false;
  const local = a.slice(0, at);
  const domain = a.slice(at + 1);
  if (local === user && localDomains.includes(domain)) return true;
  return extras.some((e) => e === a || (e.startsWith('*@') && e.slice(2) === domain));
}

// MX resolution (RFC 5321 §5.1, RFC 7505): hosts by preference with equal
// preferences shuffled; no MX -> the domain's own A/AAAA; a null MX ("." at
// preference 0) -> the domain accepts no mail (permanent). Resolvers from
// relay.mx.dns when set ("127.0.0.1:5353" style), else the system's.
// Written by hand rather than with mx-connect: it neither recognises null MX,
// nor shuffles equal preferences, nor lets us move on after a 4xx greeting.
import { promises as dns } from 'node:dns';

export interface MxHost {
  name: string;
  preference: number;
  addresses: string[];
}

export type MxAnswer =
  | { kind: 'hosts'; hosts: MxHost[] }
  | { kind: 'nullmx' }
  | { kind: 'nodomain'; reason: string }
  | { kind: 'temporary'; reason: string };

const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);
const NO_DOMAIN = new Set(['ENOTFOUND', 'NXDOMAIN']);

export function createResolver(servers?: readonly string[], timeoutMs = 10_000): dns.Resolver {
  const r = new dns.Resolver({ timeout: timeoutMs, tries: 2 });
  if (servers?.length) r.setServers([...servers]);
  return r;
}

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

async function addressesOf(r: dns.Resolver, name: string): Promise<{ addrs: string[]; error?: NodeJS.ErrnoException }> {
  const [v4, v6] = await Promise.allSettled([r.resolve4(name), r.resolve6(name)]);
  const addrs = [...(v6.status === 'fulfilled' ? v6.value : []), ...(v4.status === 'fulfilled' ? v4.value : [])];
  const err = (v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : undefined) as NodeJS.ErrnoException | undefined;
  return err ? { addrs, error: err } : { addrs };
}

export async function resolveMx(r: dns.Resolver, domain: string): Promise<MxAnswer> {
  let records: { exchange: string; priority: number }[] = [];
  try {
    records = await r.resolveMx(domain);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!NOT_FOUND.has(code)) return { kind: 'temporary', reason: `DNS lookup of MX for ${domain} failed: ${code}` };
    if (NO_DOMAIN.has(code)) {
      // NXDOMAIN for MX: the domain may still have an A record in odd setups; ask.
      const a = await addressesOf(r, domain);
      if (a.addrs.length) return { kind: 'hosts', hosts: [{ name: domain, preference: 0, addresses: a.addrs }] };
      return { kind: 'nodomain', reason: `domain ${domain} does not exist` };
    }
  }
  if (records.length === 1 && (records[0]!.exchange === '' || records[0]!.exchange === '.') && records[0]!.priority === 0) return { kind: 'nullmx' };
  if (records.length === 0) {
    const a = await addressesOf(r, domain);
    if (a.addrs.length) return { kind: 'hosts', hosts: [{ name: domain, preference: 0, addresses: a.addrs }] };
    if (a.error && !NOT_FOUND.has(a.error.code ?? '')) return { kind: 'temporary', reason: `DNS lookup of ${domain} failed: ${a.error.code}` };
    return { kind: 'nodomain', reason: `domain ${domain} has no MX and no address records` };
  }
  const byPref = new Map<number, string[]>();
  for (const rec of records) if (rec.exchange && rec.exchange !== '.') byPref.set(rec.priority, [...(byPref.get(rec.priority) ?? []), rec.exchange]);
  const hosts: MxHost[] = [];
  for (const pref of [...byPref.keys()].sort((a, b) => a - b)) {
    for (const name of shuffle(byPref.get(pref)!)) {
      const a = await addressesOf(r, name);
      hosts.push({ name, preference: pref, addresses: a.addrs });
    }
  }
  if (hosts.every((h) => h.addresses.length === 0)) return { kind: 'temporary', reason: `no address for any MX host of ${domain}` };
  return { kind: 'hosts', hosts };
}

// Listening sockets handed down by the root process under privilege
// separation: it binds ports below 1024, the daemon (running as its own user)
// serves them. A service asks here before binding an address itself.
import type { Server } from 'node:net';

const inherited = new Map<string, Server>();

/** Records a listening socket received for `where` (HOST:PORT as written in the config). */
export function adoptListener(where: string, server: Server): void {
  inherited.set(where, server);
}

/** The socket bound for `where` by the root process, once; undefined when there is none. */
export function takeListener(where: string): Server | undefined {
  const s = inherited.get(where);
  inherited.delete(where);
  return s;
}

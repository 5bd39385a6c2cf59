// Listening sockets handed down by the root process under privilege
// separation: it binds ports below 1024, the daemon (running as its own user)
// serves them. A service asks here before binding an address itself.
import type { AddressInfo, Server } from 'node:net';
import { parseHostPort } from './host-port.js';

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

/** Listens on `where` (HOST:PORT), or on the socket the root process bound for it. */
export function listenOn(server: Server, where: string): Promise<AddressInfo> {
  const { host, port } = parseHostPort(where);
  const bound = takeListener(where); // a port below 1024 bound by the root process
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    };
    if (bound) server.listen(bound, done);
    else server.listen(port, host, done);
  });
}

// The control socket server (protocol in shared/control.ts): pokes from
// sendmail and requests from `mailroom queue flush` / `sendmail -q`.
import { chmodSync, promises as fsp } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { Logger } from '../shared/log.js';

export type ControlHandler = (command: string, args: string[]) => Promise<string>;

export async function startControl(path: string, handle: ControlHandler, log: Logger): Promise<{ close(): Promise<void> }> {
  const server: Server = createServer((sock) => {
    let buf = '';
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('error', () => undefined);
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      if (buf.length > 4096) return sock.destroy();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        const [cmd = '', ...args] = line.split(/\s+/);
        handle(cmd, args).then(
          (answer) => sock.writable && sock.write(answer + '\n'),
          (err) => sock.writable && sock.write(`error ${(err as Error).message}\n`),
        );
      }
    });
  });
  await fsp.rm(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o666);
  log.debug('control socket ready', { path });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        void fsp.rm(path, { force: true });
      }),
  };
}

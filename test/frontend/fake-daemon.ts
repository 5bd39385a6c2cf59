// A stand-in for the daemon's end of the sendmail front-end socket, for the
// failures a real daemon cannot be made to have on cue: it speaks the framing
// (man/mailroom-frontend.5) and stops at a chosen step, as a daemon killed
// there would. It records the frames it got.
import { createServer, type Server, type Socket } from 'node:net';

export type Stop =
  | 'after-start' // takes the arguments, then closes without a word
  | 'after-first-data' // says go, takes one data frame, closes
  | 'after-commit' // says go and ready, takes 'C', closes without a verdict
  | 'silent'; // takes everything, never answers

export interface FakeDaemon {
  frames: string[];
  close(): Promise<void>;
}

function frame(type: string, payload = ''): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.alloc(5);
  head[0] = type.charCodeAt(0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

export async function fakeDaemon(path: string, stop: Stop): Promise<FakeDaemon> {
  const frames: string[] = [];
  const socks = new Set<Socket>();
  const server: Server = createServer((sock) => {
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    sock.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
        const type = String.fromCharCode(buf[0]!);
        buf = buf.subarray(5 + buf.readUInt32BE(1));
        frames.push(type);
        if (stop === 'silent') continue;
        if (type === 'S') {
          if (stop === 'after-start') return void sock.destroy();
          sock.write(frame('G', String(64 * 1024 * 1024)));
        } else if (type === 'D' && stop === 'after-first-data') return void sock.destroy();
        else if (type === '.') sock.write(frame('R', '01M00000000000000X'));
        else if (type === 'C') return void sock.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return {
    frames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of socks) s.destroy();
        server.close(() => resolve());
      }),
  };
}

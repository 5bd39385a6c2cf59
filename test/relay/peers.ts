// Real peers for the relay tests, started and stopped by the tests: Debian's
// aiosmtpd as a smart host (peers/smarthost.py), dnsmasq for MX records, a
// throw-away certificate from openssl, and a silent TCP server that accepts
// and never answers.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ROOT, waitFor } from '../helpers/env.js';

export interface Received {
  mail_from: string;
  rcpt_tos: string[];
  mail_options: string[];
  rcpt_options: string[][];
  data: string;
  /** The message exactly as received (DATA content, dot-unstuffed). */
  raw: Buffer;
  auth: string | null;
  /** The AUTH mechanism the client used (null without AUTH). */
  mechanism: string | null;
  tls: boolean;
  /** Subject CN of a verified client certificate (--client-ca), else null. */
  client_cert: string | null;
  /** Arrival time (end of DATA), seconds since the epoch. */
  time: number;
}

export interface SmartHost {
  port: number;
  received(): Received[];
  stop(): Promise<void>;
}

function waitReady(proc: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 15_000);
    const on = (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', (d) => (out += d.toString()));
    proc.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`${what} exited ${code}: ${out}`));
    });
  });
}

export async function startSmartHost(dir: string, name: string, args: string[] = [], host = '127.0.0.1'): Promise<SmartHost> {
  const out = join(dir, `${name}.jsonl`);
  const proc = spawn('/usr/bin/python3', [join(ROOT, 'test/relay/peers/smarthost.py'), '--host', host, '--out', out, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = Number(await waitReady(proc, 'smart host'));
  return {
    port,
    received: () =>
      existsSync(out)
        ? readFileSync(out, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => {
              const r = JSON.parse(l);
              const raw = Buffer.from(r.data_b64, 'base64');
              return { ...r, data: raw.toString('utf8'), raw };
            })
        : [],
    stop: async () => {
      if (proc.exitCode !== null) return;
      const gone = new Promise((r) => proc.on('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      proc.kill('SIGKILL');
    },
  };
}

/** A self-signed certificate for localhost / 127.0.0.1. */
export function makeCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

/** dnsmasq on a free loopback port with the given --mx-host/--host-record options. */
export async function startDns(options: string[]): Promise<{ server: string; stop(): Promise<void> }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const proc = spawn('/usr/sbin/dnsmasq', ['--keep-in-foreground', '--no-resolv', '--no-hosts', '--conf-file=/dev/null', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--log-facility=-', ...options], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    proc.stderr!.on('data', (d) => (log += d));
    const ok = await waitFor(() => log.includes('started') || proc.exitCode !== null, 5000, 'dnsmasq').then(() => proc.exitCode === null, () => false);
    if (!ok) {
      proc.kill('SIGKILL');
      continue;
    }
    return {
      server: `127.0.0.1:${port}`,
      stop: async () => {
        const gone = new Promise((r) => proc.on('exit', r));
        proc.kill('SIGTERM');
        await gone;
      },
    };
  }
  throw new Error('dnsmasq did not start');
}

/** Accepts TCP connections and never says a word (a hung smart host). */
export async function startSilent(): Promise<{ port: number; connections(): number; stop(): Promise<void> }> {
  const socks: Socket[] = [];
  const server: Server = createServer((s) => {
    socks.push(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => socks.length,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of socks) s.destroy();
        server.close(() => r());
      }),
  };
}

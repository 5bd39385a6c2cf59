// Test fixtures for mailbox, POP3 and users tests: Maildirs written directly
// in the standard layout, users files, a throw-away TLS certificate, Python.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../../src/users/hash.js';

export const PYTHON = '/usr/bin/python3';

let seq = 0;
/** A standard Maildir name: time.M<usec>P<pid>Q<n>.<host>,S=<size>. */
export function maildirName(size: number, time = 1_700_000_000 + seq): string {
  seq++;
  return `${time}.M${100000 + seq}P4242Q${seq}.test.example,S=${size}`;
}

export interface FixtureMessage {
  content: string | Buffer;
  folder?: 'new' | 'cur';
  flags?: string;
  /** Leave ,S= out of the name (size must come from stat / scan). */
  noSize?: boolean;
}

/** Creates <root>/<user>/{tmp,new,cur} and writes the messages; returns their base names. */
export function writeMaildir(root: string, user: string, messages: FixtureMessage[]): string[] {
  const dir = join(root, user);
  for (const d of ['tmp', 'new', 'cur']) mkdirSync(join(dir, d), { recursive: true, mode: 0o700 });
  return messages.map((m) => addMessage(dir, m));
}

/** Adds one message to an existing Maildir; returns its base name. */
export function addMessage(dir: string, m: FixtureMessage): string {
  const buf = Buffer.isBuffer(m.content) ? m.content : Buffer.from(m.content);
  const base = m.noSize ? maildirName(buf.length).replace(/,S=\d+$/, '') : maildirName(buf.length);
  const folder = m.folder ?? 'new';
  const name = folder === 'cur' ? `${base}:2,${m.flags ?? ''}` : base;
  writeFileSync(join(dir, folder, name), buf);
  return base;
}

/** A CRLF message with the given subject and body lines. */
export function message(subject: string, body: string[], from = 'Alice <alice@example.com>'): string {
  return [`From: ${from}`, 'To: bob@test.example', `Subject: ${subject}`, 'Date: Tue, 14 Nov 2023 22:13:20 +0000', `Message-ID: <${subject.replace(/\W/g, '')}.${seq}@example.com>`, '', ...body, ''].join('\r\n');
}

/** Writes a users file (mode 0600) with the given name -> password pairs. */
export async function writeUsersFile(path: string, users: Record<string, string>): Promise<void> {
  const lines = ['# test users'];
  for (const [name, pw] of Object.entries(users)) lines.push(`${name}:${await hashPassword(pw)}`);
  writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 });
}

/** A self-signed certificate for localhost / 127.0.0.1 (made with openssl). */
export function makeCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

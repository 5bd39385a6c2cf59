// Drives the IMAP message commands with Python's imaplib (Debian's
// /usr/bin/python3) against a real server on loopback over a real Maildir.
// The Python prelude gives scripts `M` (logged in as alice) and `run(name, fn)`,
// which records the tagged result, its data and every untagged response.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startImapServer, type ImapServer } from '../../src/imap/server.js';
import { writeMaildir, writeUsersFile, type FixtureMessage } from '../mailbox/fixture.js';
import { python } from '../pop3/py.js';

const quiet = { event() {}, info() {}, warn() {}, error() {}, debug() {} };

export interface PyServer {
  dir: string;
  mail: string;
  server: ImapServer;
  port: number;
  stop(): Promise<void>;
}

export async function startPyServer(messages: FixtureMessage[]): Promise<PyServer> {
  const dir = mkdtempSync(join(tmpdir(), 'imap-msgs-'));
  const mail = join(dir, 'mail');
  await writeUsersFile(join(dir, 'users'), { alice: 'alicepw' });
  writeMaildir(mail, 'alice', messages);
  const server = await startImapServer({ listen: '127.0.0.1:0', tls: 'none', usersFile: join(dir, 'users'), mailboxes: mail, hostname: 'imap.test', log: quiet, maxMessageSize: 10 << 20 });
  return {
    dir,
    mail,
    server,
    port: server.address!.port,
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const PRELUDE = String.raw`
import imaplib, json, os, re
imaplib.Commands['MOVE'] = ('SELECTED',)
imaplib.Commands['ENABLE'] = ('AUTH', 'SELECTED')
M = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']), timeout=30)
M.login('alice', 'alicepw')
out = {}
def conv(v):
    if isinstance(v, bytes): return v.decode('utf-8', 'replace')
    if isinstance(v, (list, tuple)): return [conv(x) for x in v]
    return v
def run(name, fn):
    M.untagged_responses.clear()
    try:
        typ, data = fn()
    except M.error as e:
        typ, data = 'ERR', [str(e)]
    out[name] = {'typ': typ, 'data': conv(data), 'untagged': {k: conv(v) for k, v in M.untagged_responses.items()}}
def raw(name, cmd, *args):
    # A command imaplib has no method for: sent as is, result recorded like run().
    run(name, lambda: M._command_complete(cmd, M._command(cmd, *args)))
`;

/** Runs `body` after the prelude; returns the recorded results by name. */
export async function imaplib(port: number, body: string): Promise<Record<string, { typ: string; data: any[]; untagged: Record<string, any[]> }>> {
  const script = `${PRELUDE}\n${body}\nM.logout()\nprint(json.dumps(out))`;
  return python(script, { PORT: String(port) });
}

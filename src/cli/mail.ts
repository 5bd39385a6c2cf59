// mailroom mail [USER] | read N | delete N: console access to a local Maildir
// through the same mailbox store POP3 uses. Numbers are positions in the
// current listing (oldest first), as in mail(1).
import { userInfo } from 'node:os';
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { openMailbox } from '../mailbox/maildir.js';
import type { MailboxStore, MessageEntry } from '../mailbox/store.js';
import { readSummary } from '../mailbox/summary.js';
import { MailroomError } from '../shared/errors.js';

type Args = { config?: string; user?: string; n?: number };

async function mailboxOf(args: Args): Promise<{ store: MailboxStore; user: string }> {
  const config = await loadConfig(args.config);
  const user = (args.user ?? userInfo().username).toLowerCase();
  if (!/^[a-z0-9_][a-z0-9._+-]*$/.test(user)) throw new MailroomError('USER_NAME_INVALID', `not a mailbox name: ${user}`);
  return { store: openMailbox(config.local.mailboxes, user), user };
}

async function pick(store: MailboxStore, n: number | undefined): Promise<MessageEntry> {
  const all = await store.list();
  const entry = n !== undefined && Number.isInteger(n) && n >= 1 ? all[n - 1] : undefined;
  if (!entry) throw new MailroomError('NO_SUCH_MESSAGE', `no message ${n} (the mailbox has ${all.length})`);
  return entry;
}

const pad = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
const stamp = (d: Date | undefined) => (d && !Number.isNaN(d.getTime()) ? d.toISOString().slice(0, 16).replace('T', ' ') : '?'.padEnd(16));
const flagsOf = (e: MessageEntry) => (e.path.startsWith('new/') ? 'N' : e.flags || '-');

function human(size: number): string {
  if (size < 1024) return `${size}`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(size < 10240 ? 1 : 0)}K`;
  return `${(size / 1024 / 1024).toFixed(1)}M`;
}

async function list(args: Args): Promise<void> {
  const { store, user } = await mailboxOf(args);
  const entries = await store.list();
  if (!entries.length) return void process.stdout.write(`no mail for ${user}\n`);
  const rows = [`${'#'.padStart(4)}  ${'date (UTC)'.padEnd(16)}  ${pad('from', 28)}  ${pad('subject', 40)}  ${'size'.padStart(6)}  flags`];
  for (const [i, e] of entries.entries()) {
    const s = await readSummary(store, e);
    if (!s) continue;
    rows.push(`${String(i + 1).padStart(4)}  ${stamp(s.date)}  ${pad(s.from, 28)}  ${pad(s.subject, 40)}  ${human(e.size).padStart(6)}  ${flagsOf(e)}`);
  }
  process.stdout.write(rows.join('\n') + '\n');
}

async function read(args: Args): Promise<void> {
  const { store } = await mailboxOf(args);
  const entry = await pick(store, args.n);
  const fh = await store.open(entry);
  if (!fh) throw new MailroomError('NO_SUCH_MESSAGE', `message ${args.n} was removed meanwhile`);
  const { simpleParser } = await import('mailparser');
  let parsed;
  try {
    parsed = await simpleParser(fh.createReadStream({ autoClose: false }));
  } finally {
    await fh.close();
  }
  const out: string[] = [];
  const header = (k: string, v: string | undefined) => v && out.push(`${k}: ${v}`);
  const addr = (a: typeof parsed.to) => (Array.isArray(a) ? a.map((x) => x.text).join(', ') : a?.text);
  header('Date', parsed.date?.toString());
  header('From', parsed.from?.text);
  header('To', addr(parsed.to));
  header('Cc', addr(parsed.cc));
  header('Subject', parsed.subject);
  out.push('');
  out.push((parsed.text ?? '').replace(/\r\n/g, '\n').replace(/\n+$/, ''));
  for (const a of parsed.attachments) out.push(`[attachment: ${a.filename ?? '(no name)'} ${a.contentType}, ${human(a.size)}]`);
  process.stdout.write(out.join('\n') + '\n');
  // Reading it here marks it seen, as mutt and POP3 RETR do.
  if (!entry.flags.includes('S')) await store.setFlags(entry, entry.flags + 'S');
}

async function remove(args: Args): Promise<void> {
  const { store } = await mailboxOf(args);
  const entry = await pick(store, args.n);
  await store.remove([entry]);
  process.stdout.write(`deleted message ${args.n}\n`);
}

const userOpt = { type: 'string', describe: 'mailbox user (default: you)' } as const;

export const mailCommand: CommandModule<{ config?: string }, Args> = {
  command: 'mail',
  describe: 'read a local mailbox: list, read N, delete N',
  builder: (y) =>
    y
      .command({ command: ['list [user]', '$0 [user]'], describe: 'list the messages', builder: (q: any) => q.positional('user', userOpt), handler: (a) => list(a as Args) })
      .command({ command: 'read <n>', describe: 'show message N decoded for reading', builder: (q: any) => q.positional('n', { type: 'number', demandOption: true }).option('user', userOpt), handler: (a) => read(a as Args) })
      .command({ command: 'delete <n>', describe: 'delete message N', builder: (q: any) => q.positional('n', { type: 'number', demandOption: true }).option('user', userOpt), handler: (a) => remove(a as Args) }),
  handler: () => undefined,
};

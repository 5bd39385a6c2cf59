// mailroom user add|passwd|del|list: the users file of POP3/IMAP/SMTP AUTH.
// A password never comes from argv: it is read from stdin when stdin is not a
// terminal (or with --password-stdin), else prompted twice without echo.
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { MailroomError } from '../shared/errors.js';
import { addUser, checkUserName, deleteUser, readUsers, setUserHash } from '../users/file.js';
import { hashPassword } from '../users/hash.js';

type Args = { config?: string; name?: string; 'password-stdin'?: boolean };

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** Reads one line from the terminal with echo off. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (d: Buffer) => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new MailroomError('INTERRUPTED', 'interrupted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(args: Args): Promise<string> {
  let password: string;
  if (args['password-stdin'] || !process.stdin.isTTY) password = await readStdinLine();
  else {
    password = await promptHidden('New password: ');
    if ((await promptHidden('Retype new password: ')) !== password) throw new MailroomError('PASSWORD_MISMATCH', 'the passwords do not match');
  }
  if (password === '') throw new MailroomError('PASSWORD_EMPTY', 'an empty password is not allowed');
  return password;
}

async function usersPath(args: Args): Promise<string> {
  return (await loadConfig(args.config)).users;
}

const nameArg = {
  builder: (y: any) =>
    y.positional('name', { type: 'string', demandOption: true, describe: 'user name' }).option('password-stdin', { type: 'boolean', describe: 'read the password from standard input' }),
};

export const userCommand: CommandModule<{ config?: string }, Args> = {
  command: 'user <action>',
  describe: 'manage mailbox users (POP3/IMAP accounts)',
  builder: (y) =>
    y
      .command({
        command: 'add <name>',
        describe: 'add a user (password from stdin or prompted)',
        ...nameArg,
        handler: async (a) => {
          const args = a as Args;
          const path = await usersPath(args);
          const name = checkUserName(args.name!);
          await addUser(path, name, await hashPassword(await readPassword(args)));
          process.stdout.write(`added user ${name}\n`);
        },
      })
      .command({
        command: 'passwd <name>',
        describe: "change a user's password",
        ...nameArg,
        handler: async (a) => {
          const args = a as Args;
          const path = await usersPath(args);
          const name = checkUserName(args.name!);
          if (!(await readUsers(path)).some((u) => u.name === name)) throw new MailroomError('USER_UNKNOWN', `no such user: ${name}`);
          await setUserHash(path, name, await hashPassword(await readPassword(args)));
          process.stdout.write(`changed the password of ${name}\n`);
        },
      })
      .command({
        command: 'del <name>',
        aliases: ['delete'],
        describe: 'remove a user (the mailbox is kept)',
        builder: (y: any) => y.positional('name', { type: 'string', demandOption: true }),
        handler: async (a) => {
          const args = a as Args;
          const name = checkUserName(args.name!);
          await deleteUser(await usersPath(args), name);
          process.stdout.write(`deleted user ${name}\n`);
        },
      })
      .command({
        command: 'list',
        describe: 'list the users',
        handler: async (a) => {
          const args = a as Args;
          for (const u of await readUsers(await usersPath(args))) process.stdout.write(`${u.name}\n`);
        },
      })
      .demandCommand(1, 'name an action: add, passwd, del or list'),
  handler: () => undefined,
};

// The `mailroom` command (yargs). One file per subcommand; errors are caught
// here only, printed as one line, and mapped to a sysexits code.
import yargs from 'yargs';
import { exitCodeFor, EX } from '../shared/exit-codes.js';
import { configCommand } from './config.js';
import { daemonCommand } from './daemon.js';
import { dkimCommand } from './dkim.js';
import { installCommand, uninstallCommand } from './install.js';
import { mailCommand } from './mail.js';
import { queueCommand } from './queue.js';
import { sendmailCommand } from './sendmail.js';
import { statusCommand } from './status.js';
import { testCommand } from './test.js';
import { userCommand } from './user.js';

export async function main(argv: string[]): Promise<void> {
  try {
    await yargs(argv)
      .scriptName('mailroom')
      .usage('$0 <command> [options]')
      .option('config', { type: 'string', describe: 'configuration file (default: $MAILROOM_CONFIG or /etc/mailroom/mailroom.yaml)', global: true })
      .command(daemonCommand)
      .command(queueCommand)
      .command(configCommand)
      .command(sendmailCommand)
      .command(testCommand)
      .command(userCommand)
      .command(mailCommand)
      .command(statusCommand)
      .command(dkimCommand)
      .command(installCommand)
      .command(uninstallCommand)
      .demandCommand(1, 'name a command; see mailroom --help')
      .strict()
      .fail((msg, err) => {
        throw err ?? Object.assign(new Error(msg), { usage: true });
      })
      .help()
      .version()
      .parseAsync();
  } catch (err) {
    const e = err as Error & { usage?: boolean };
    process.stderr.write(`mailroom: ${e.message.split('\n')[0]}\n`);
    process.exitCode = e.usage ? EX.USAGE : exitCodeFor(err);
  }
}

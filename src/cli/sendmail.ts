// mailroom sendmail ...: the sendmail(8) interface under the mailroom command.
import type { CommandModule } from 'yargs';

export const sendmailCommand: CommandModule = {
  command: 'sendmail',
  describe: 'the sendmail(8) interface (see sendmail(8)); all further arguments are sendmail flags',
  builder: (y) => y.strict(false).help(false).version(false),
  handler: async () => {
    const i = process.argv.indexOf('sendmail');
    const { main } = await import('../submit/sendmail/main.js');
    main(process.argv.slice(i + 1), 'sendmail');
  },
};

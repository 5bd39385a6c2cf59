// mailroom queue [list|show|hold|release|delete|flush]: the queue for people
// (and --json for machines, SPEC §2).
import type { Argv, CommandModule } from 'yargs';
import { checkId, deleteMessage, holdMessage, readMessageText, releaseMessage } from '../admin/queue-actions.js';
import { formatQueue, readQueue, toJson } from '../admin/queue-list.js';
import { loadConfig } from '../config/load.js';
import { controlSocketPath, sendControl } from '../shared/control.js';
import { MailroomError } from '../shared/errors.js';
import { spoolPaths } from '../spool/paths.js';
import { mustLocate } from '../spool/transition.js';

type Args = { config?: string; json?: boolean; ids?: string[]; id?: string; body?: boolean; [key: string]: unknown };

async function paths(args: Args) {
  const config = await loadConfig(args.config);
  return { config, paths: spoolPaths(config.spool) };
}

async function list(args: Args): Promise<void> {
  const { paths: p } = await paths(args);
  const { entries, damaged } = await readQueue(p);
  if (args.json) process.stdout.write(JSON.stringify(entries.map(toJson), null, 2) + '\n');
  else process.stdout.write(formatQueue(entries));
  if (damaged) process.stderr.write(`mailroom: ${damaged} damaged envelope(s); the daemon moves them to corrupt/ at start\n`);
}

function perId(action: (p: ReturnType<typeof spoolPaths>, control: string, id: ReturnType<typeof checkId>) => Promise<string>, poke?: (id: string) => string) {
  return async (args: Args) => {
    const { config, paths: p } = await paths(args);
    const control = controlSocketPath(config.socket.path);
    for (const raw of args.ids ?? []) {
      const id = checkId(raw);
      process.stdout.write((await action(p, control, id)) + '\n');
      if (poke) await sendControl(control, poke(id), true, 1000);
    }
  };
}

const ids = (y: Argv<Args>) => y.positional('ids', { type: 'string', array: true, demandOption: true, describe: 'queue ids' });

export const queueCommand: CommandModule<{ config?: string }, Args> = {
  command: 'queue [action]',
  describe: 'list and manage the queue',
  builder: (y) =>
    y
      .command({ command: ['list', '$0'], describe: 'list the queue', builder: (q) => q.option('json', { type: 'boolean', describe: 'print JSON (SPEC schema)' }), handler: list })
      .command({
        command: 'show <id>',
        describe: 'envelope, state and headers of one message',
        builder: (q) => q.positional('id', { type: 'string', demandOption: true }).option('body', { type: 'boolean', describe: 'print the whole message' }).option('json', { type: 'boolean' }),
        handler: async (args: Args) => {
          const { paths: p } = await paths(args);
          const id = checkId(args.id!);
          const found = await mustLocate(p, id);
          const text = await readMessageText(p, id, args.body === true);
          if (args.json) {
            process.stdout.write(JSON.stringify({ state: found.state, envelope: found.envelope, message: text }, null, 2) + '\n');
            return;
          }
          const env = found.envelope;
          const out = [
            `id: ${id}`,
            `state: ${found.state}`,
            `sender: <${env.sender}>`,
            `size: ${env.size}`,
            `created: ${env.createdAt}`,
            `source: ${env.source}${env.user ? ` (user ${env.user}, uid ${env.uid})` : ''}`,
            `next attempt: ${env.nextAttemptAt ?? 'now'}`,
            ...env.recipients.map((r) => `recipient: <${r.address}> ${r.status} attempts=${r.attempts}${r.lastError ? ` last error: ${r.lastError}` : ''}`),
            '',
            text,
          ];
          process.stdout.write(out.join('\n') + (text.endsWith('\n') ? '' : '\n'));
        },
      })
      .command({ command: 'hold <ids..>', describe: 'keep messages from being delivered', builder: ids, handler: perId(holdMessage) })
      .command({ command: 'release <ids..>', describe: 'let held messages go', builder: ids, handler: perId(releaseMessage, (id) => `flush I ${id}`) })
      .command({ command: 'delete <ids..>', describe: 'remove messages from the queue (no bounce)', builder: ids, handler: perId(deleteMessage) })
      .command({
        command: 'flush [ids..]',
        describe: 'retry now (all, or the given ids)',
        builder: (q) => q.positional('ids', { type: 'string', array: true }),
        handler: async (args: Args) => {
          const { config } = await paths(args);
          const ctl = controlSocketPath(config.socket.path);
          const cmds = args.ids?.length ? args.ids.map((i) => `flush I ${checkId(i)}`) : ['flush'];
          for (const c of cmds) {
            const answer = await sendControl(ctl, c, true);
            if (answer === undefined) throw new MailroomError('DAEMON_DOWN', 'unavailable', 'the mailroom daemon is not running; mail waits in the queue until it starts');
          }
          process.stdout.write('flush requested\n');
        },
      })
      .demandCommand(0),
  handler: () => undefined,
};

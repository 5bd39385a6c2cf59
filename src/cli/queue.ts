// mailroom queue [list|show|hold|release|delete|flush]: the queue for people
// (and --json for scripts). hold and release also take --all.
import type { Argv, CommandModule } from 'yargs';
import { checkId, deleteMessage, holdMessage, readMessageText, releaseMessage } from '../admin/queue-actions.js';
import { formatQueue, readQueue, toJson } from '../admin/queue-list.js';
import { loadConfig, type Config } from '../config/load.js';
import { releaseRefusal } from '../relay/release-route.js';
import { controlSocketPath, sendControl } from '../shared/control.js';
import { MailroomError } from '../shared/errors.js';
import { exitCodeFor } from '../shared/exit-codes.js';
import { spoolPaths, type QueueState } from '../spool/paths.js';
import { listIds } from '../spool/scan.js';
import { mustLocate } from '../spool/transition.js';
import { userNameOf } from '../shared/passwd.js';

type Args = { config?: string; json?: boolean; ids?: string[]; id?: string; body?: boolean; all?: boolean; [key: string]: unknown };
type Action = (p: ReturnType<typeof spoolPaths>, control: string, id: ReturnType<typeof checkId>, config: Config) => Promise<string>;

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

/**
 * Runs an action on the given ids, or with --all on every message in
 * `allFrom` (one line each, then a summary). A message that fails does not
 * stop the others: its error goes to stderr and the first one sets the exit
 * status.
 */
function perId(action: Action, opts: { poke?: (id: string) => string; allFrom?: QueueState[]; done?: string } = {}) {
  return async (args: Args) => {
    const { config, paths: p } = await paths(args);
    const control = controlSocketPath(config.socket.path);
    if (args.all && args.ids?.length) throw new MailroomError('USAGE', 'give queue ids or --all, not both');
    if (!args.all && !args.ids?.length) throw new MailroomError('USAGE', 'give one or more queue ids, or --all');
    const ids = args.all ? (await Promise.all((opts.allFrom ?? []).map((s) => listIds(p, s)))).flat().sort() : (args.ids ?? []).map(checkId);
    let ok = 0;
    let firstError: unknown;
    for (const id of ids) {
      try {
        process.stdout.write((await action(p, control, id, config)) + '\n');
        ok++;
      } catch (err) {
        // With --all, a message that left the queue meanwhile is not an error.
        if (args.all && (err as MailroomError).code === 'QUEUE_NOT_FOUND') continue;
        process.stderr.write(`mailroom: ${(err as Error).message.split('\n')[0]}\n`);
        firstError ??= err;
        continue;
      }
      if (opts.poke) await sendControl(control, opts.poke(id), true, 1000);
    }
    if (args.all) process.stdout.write(`${ok} of ${ids.length} message${ids.length === 1 ? '' : 's'} ${opts.done}\n`);
    if (firstError !== undefined) process.exitCode = exitCodeFor(firstError);
  };
}

const ids = (what: string) => (y: Argv<Args>) =>
  y.positional('ids', { type: 'string', array: true, describe: 'queue ids' }).option('all', { type: 'boolean', describe: `every ${what} message` });

const release: Action = (p, control, id, config) => releaseMessage(p, control, id, { by: userNameOf(process.getuid!()), refuse: (env) => releaseRefusal(config, env) });

export const queueCommand: CommandModule<{ config?: string }, Args> = {
  command: 'queue [action]',
  describe: 'list and manage the queue',
  builder: (y) =>
    y
      .command({ command: ['list', '$0'], describe: 'list the queue', builder: (q) => q.option('json', { type: 'boolean', describe: 'print JSON (one object per message)' }), handler: list })
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
            ...(env.release ? [`released: by ${env.release.by} at ${env.release.at}`] : []),
            ...env.recipients.map((r) => `recipient: <${r.address}> ${r.status} attempts=${r.attempts}${r.lastError ? ` last error: ${r.lastError}` : ''}`),
            '',
            text,
          ];
          process.stdout.write(out.join('\n') + (text.endsWith('\n') ? '' : '\n'));
        },
      })
      .command({ command: 'hold [ids..]', describe: 'keep messages from being delivered', builder: ids('queued'), handler: perId(holdMessage, { allFrom: ['incoming', 'deferred'], done: 'held' }) })
      .command({ command: 'release [ids..]', describe: 'let held messages go (also under relay.mode hold)', builder: ids('held'), handler: perId(release, { poke: (id) => `flush I ${id}`, allFrom: ['hold'], done: 'released' }) })
      .command({ command: 'delete <ids..>', describe: 'remove messages from the queue (no bounce)', builder: (q) => q.positional('ids', { type: 'string', array: true, demandOption: true, describe: 'queue ids' }), handler: perId(deleteMessage) })
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
            if (answer === undefined) throw new MailroomError('DAEMON_DOWN', 'the mailroom daemon is not running; mail waits in the queue until it starts');
          }
          process.stdout.write('flush requested\n');
        },
      })
      .demandCommand(0),
  handler: () => undefined,
};

// sendmail's other modes, loaded on demand so the delivery path stays light:
// -bp (mailq), -bi (newaliases), -bv (verify routing), -q (run the queue).
import { loadConfig } from '../../config/load.js';
import { formatQueue, readQueue } from '../../admin/queue-list.js';
import { describeRelayRoute } from '../../route/classify.js';
import { controlSocketPath, sendControl } from '../../shared/control.js';
import { MailroomError } from '../../shared/errors.js';
import { spoolPaths } from '../../spool/paths.js';
import { cleanRecipient } from '../sanitize.js';
import type { SendmailOptions } from './flags.js';
import { loadSubmitView } from './load-view.js';

export async function printQueue(o: SendmailOptions): Promise<number> {
  const view = await loadSubmitView(o.config);
  let entries;
  try {
    ({ entries } = await readQueue(spoolPaths(view.spool)));
  } catch (err) {
    // The queue is 0700 to the mailroom user: an ordinary user may drop mail
    // but not list it (Postfix's mailq says the same). EX_NOPERM, not a crash.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new MailroomError('QUEUE_NOT_READABLE', `cannot read the queue in ${view.spool}: permission denied`, { cause: err });
    throw err;
  }
  process.stdout.write(formatQueue(entries));
  return 0;
}

export async function rebuildAliases(o: SendmailOptions): Promise<number> {
  const config = await loadConfig(o.config);
  const { checkAliases } = await import('../../route/router.js');
  const where = typeof config.aliases === 'string' ? config.aliases : `${config.file ?? 'the configuration'} (inline aliases)`;
  let result;
  try {
    result = await checkAliases(config);
  } catch (err) {
    throw new MailroomError('ALIASES_UNREADABLE', `cannot read ${where}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const { table, problems } = result;
  for (const p of problems) process.stderr.write(`newaliases: ${where}${p.line ? `:${p.line}` : ''}: ${p.warning ? 'warning: ' : ''}${p.message}\n`);
  if (problems.some((p) => !p.warning)) return 65;
  process.stdout.write(`newaliases: ${where}: ${table.entries.size} aliases\n`);
  await sendControl(controlSocketPath(config.socket.path), 'reload-aliases', false, 500);
  return 0;
}

export async function verifyRecipients(o: SendmailOptions): Promise<number> {
  const config = await loadConfig(o.config);
  if (o.recipients.length === 0) throw new MailroomError('USAGE', '-bv needs recipients to verify');
  const { createLocalRouter, describeDestination } = await import('../../route/router.js');
  const router = await createLocalRouter(config);
  const q = { hostname: config.hostname, masquerade: config.masquerade };
  let code = 0;
  for (const raw of o.recipients.flatMap((r) => r.split(',')).map((r) => r.trim()).filter(Boolean)) {
    try {
      const addr = cleanRecipient(raw, q);
      if (!router.isLocal(addr)) {
        process.stdout.write(`${addr}... deliverable: ${describeRelayRoute(config, addr, o.from ?? '')}\n`);
        continue;
      }
      const dests = router.resolve(addr);
      const bad = dests.filter((d) => d.kind === 'unknown');
      const parts = dests.map((d) =>
        d.kind === 'remote' ? `${d.address} -> ${describeRelayRoute(config, d.address, o.from ?? '')}` : d.kind === 'unknown' ? `${d.address}: ${d.reason}` : describeDestination(d),
      );
      process.stdout.write(`${addr}... ${bad.length === dests.length ? 'undeliverable' : 'deliverable'}: ${parts.join('; ')}\n`);
      if (bad.length === dests.length && code === 0) code = 67;
    } catch (err) {
      process.stdout.write(`${raw}... undeliverable: ${(err as Error).message}\n`);
      code = 65;
    }
  }
  return code;
}

export async function runQueue(o: SendmailOptions): Promise<number> {
  const view = await loadSubmitView(o.config);
  const cmd = o.queueId ? `flush I ${o.queueId}` : o.queueSite ? `flush R ${o.queueSite}` : 'flush';
  const answer = await sendControl(controlSocketPath(view.socket.path), cmd, true);
  if (answer === undefined) throw new MailroomError('DAEMON_DOWN', 'cannot flush the queue: the mailroom daemon is not running');
  if (!answer.startsWith('ok')) throw new MailroomError('FLUSH_REFUSED', answer);
  return 0;
}

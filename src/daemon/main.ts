// Wires the daemon: spool recovery, maildrop pickup, the local socket, the
// control socket and the queue runner; stops gracefully on SIGTERM/SIGINT
// (stop accepting, finish in-flight writes, close sockets); reload() applies a
// changed configuration file to its services (reload.ts).
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config/load.js';
import { controlSocketPath, SETTLE_WAIT_MS } from '../shared/control.js';
import { pickupFifoPath } from '../shared/poke.js';
import type { Logger } from '../shared/log.js';
import { ensureSpool } from '../spool/layout.js';
import { QUEUE_STATES, spoolPaths, type QueueState } from '../spool/paths.js';
import { startPickup } from '../spool/pickup.js';
import { createPublisher, type Publisher } from '../spool/publish.js';
import { recoverSpool } from '../spool/recover.js';
import { openJournal } from '../spool/journal.js';
import { loadSpoolNative } from '../spool/syncfs.js';
import { LoginThrottle } from '../users/throttle.js';
import { imapOptionsFrom, startImapServer } from '../imap/server.js';
import { pop3OptionsFrom, startPop3Server } from '../pop3/server.js';
import { startSocketServer } from '../submit/socket/server.js';
import { startFrontendServer } from '../submit/frontend/server.js';
import { startSmtpListeners } from '../submit/listener/server.js';
import { startControl } from './control.js';
import { listenPickupFifo } from './pickup-fifo.js';
import { lockSpool } from './pid-lock.js';
import { createLocalDelivery, type LocalDeliveryOptions } from '../local/deliver.js';
import { createLocalRouter } from '../route/router.js';
import { Bouncer } from '../relay/bounce.js';
import { createRelayService } from '../relay/service.js';
import { startQueueManager, type QueueManager } from '../schedule/queue-manager.js';
import { heldByOther } from '../spool/claim.js';
import { isQueueId, type QueueId } from '../spool/queue-id.js';
import { locate } from '../spool/transition.js';
import { startMetrics } from './metrics.js';
import { DeliveryStats } from './stats.js';
import { createReloader, type Reloadable } from './reload.js';

export interface Daemon {
  /** Reads the configuration file again and applies it, or logs why not (SIGHUP). */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  /** Local writes go to the root process (privilege separation). */
  localWrite?: LocalDeliveryOptions['write'];
}

export async function startDaemon(config: Config, log: Logger, opts: DaemonOptions = {}): Promise<Daemon> {
  const paths = spoolPaths(config.spool);
  const stats = new DeliveryStats();
  await ensureSpool(paths);
  const releaseLock = await lockSpool(paths.locks, config.spool);
  // The journal first: replay writes again what a crash of the machine lost,
  // and recovery then sees the spool as it was acknowledged.
  const journal = await openJournal(paths, loadSpoolNative(), log);
  await recoverSpool(paths, log);
  await fsp.mkdir(dirname(config.socket.path), { recursive: true, mode: 0o755 });
  const spoolPublisher = createPublisher(paths, 'auto', journal);
  let runner: QueueManager | undefined;
  // Every published message goes to the queue manager at once (event-driven, no poll delay).
  const local = { router: await createLocalRouter(config), delivery: createLocalDelivery(config, log, { write: opts.localWrite }) };
  const publisher: Publisher = {
    ...spoolPublisher,
    publish: async (env, content) => {
      // Under relay.mode hold, mail with no local recipient is held from the
      // start (as Postfix's cleanup puts a HOLD message straight into its hold
      // queue): written into hold/, not handed to the runner to move there.
      if (config.relay.mode === 'hold' && !env.recipients.some((r) => local.router.isLocal(r.address))) {
        await spoolPublisher.publish(env, content, 'hold');
        // after the caller's own "queued" line
        setImmediate(() => log.event(env.id, 'held', { reason: 'relay.mode is hold', nrcpt: env.recipients.length }));
        return;
      }
      await spoolPublisher.publish(env, content);
      runner?.enqueue(env.id as QueueId, env);
    },
  };
  const relay = createRelayService(config, log);
  const bouncer = new Bouncer({ hostname: config.hostname, perSenderPerHour: 10 }, publisher, log);
  // The control socket listens before the runner starts: an administrator who
  // finds no daemon there holds the message's lock before the runner's first look.
  let pickup: ReturnType<typeof startPickup> | undefined;
  const control = await startControl(
    controlSocketPath(config.socket.path),
    async (cmd, args) => {
      switch (cmd) {
        case 'pickup':
          pickup?.kick();
          return 'ok';
        case 'flush':
          log.info('flush requested', { site: args[0] === 'R' ? args[1] : undefined, id: args[0] === 'I' ? args[1] : undefined });
          pickup?.kick();
          if (args[0] === 'R' && args[1]) runner?.wake({ site: args[1] });
          else if (args[0] === 'I' && args[1]) runner?.wake({ id: args[1] });
          else runner?.wake();
          return 'ok';
        case 'reload-aliases':
          await local.router.reload();
          return 'ok';
        case 'settle': {
          // Only for whoever holds the message's lock (locks/ is the daemon
          // user's): nobody else can hold a delivery up this way.
          const id = args[0] ?? '';
          if (!isQueueId(id) || !heldByOther(paths, id)) return 'error settle needs the message lock held';
          if (spoolPublisher.committing(id)) await spoolPublisher.idle(); // a new message: durable first
          return (await runner?.settled(id, SETTLE_WAIT_MS)) === false ? 'busy' : 'idle';
        }
        case 'forget': {
          // An administrator removed the message (queue delete): its removal
          // record. Only for a message that is gone, so nobody can hide one.
          const [id, state] = [args[0] ?? '', args[1] ?? ''];
          if (!isQueueId(id) || !QUEUE_STATES.includes(state as QueueState)) return 'error forget needs an id and a queue state';
          if (await locate(paths, id)) return 'error the message is still in the queue';
          spoolPublisher.forget(id, state as QueueState);
          return 'ok';
        }
        case 'status':
          return JSON.stringify(stats.snapshot());
        case 'ping':
          return `ok pid=${process.pid}`;
        default:
          return `error unknown command ${cmd}`;
      }
    },
    log,
  );
  runner = startQueueManager({ config, paths, log, relay, bouncer, local, committing: spoolPublisher.committing, forget: spoolPublisher.forget, stats });
  pickup = startPickup(paths, publisher, log, { maxMessageSize: config.maxMessageSize });
  const fifo = await listenPickupFifo(pickupFifoPath(config.socket.path), () => pickup?.kick(), log);
  const socket = await startSocketServer(config, publisher, log);
  // The compiled sendmail front end's socket (submit/frontend/): needs the addon's getpeercred.
  const frontend = await startFrontendServer(config, publisher, log, loadSpoolNative());
  // One throttle for POP3 and IMAP: failures on either count against the address.
  const throttle = new LoginThrottle();
  // The network SMTP listeners (`listen`), sharing that throttle for AUTH.
  const listeners = await startSmtpListeners(config, { publisher, log, throttle });
  const pop3Options = pop3OptionsFrom(config, log);
  const pop3 = pop3Options ? await startPop3Server({ ...pop3Options, throttle }) : undefined;
  const imapOptions = imapOptionsFrom(config, log, throttle);
  const imap = imapOptions ? await startImapServer(imapOptions) : undefined;
  // What a reload hands the new Config to, in this order. A new service that
  // holds settings adds one line here.
  const reloadables: Reloadable[] = [
    { name: 'daemon', reload: (c) => void (config = c) }, // relay.mode for new submissions
    { name: 'aliases', reload: (c) => local.router.reload(c) },
    { name: 'relay', reload: (c) => relay.reload(c) },
    { name: 'queue', reload: (c) => runner?.reload(c) },
    ...(pop3 ? [{ name: 'pop3', reload: (c: Config) => pop3.reload(c) }] : []),
    ...(imap ? [{ name: 'imap', reload: (c: Config) => imap.reload(c) }] : []),
    // The listeners log an added, removed or re-addressed entry as needing a restart themselves.
    { name: 'listener', reload: (c) => listeners.reload(c) },
  ];
  const reloader = createReloader(config, reloadables, log);
  const metrics = config.metrics ? await startMetrics(config.metrics.listen, { status: () => stats.snapshot(), paths }, log) : undefined;
  log.info('daemon started', { pid: process.pid, spool: config.spool, hostname: config.hostname, commit: spoolPublisher.commit });
  return {
    reload: () => reloader.reload(),
    async stop() {
      // New submissions are refused first (the listener closes at once);
      // sessions already open may finish their transaction (closeTimeout).
      const submissionsDone = socket.close();
      const frontendDone = frontend?.close();
      const listenersDone = listeners.close();
      await control.close();
      await fifo?.close();
      await pop3?.close();
      await imap?.close();
      await metrics?.close();
      await submissionsDone;
      await frontendDone;
      await listenersDone;
      await pickup?.close();
      await publisher.idle();
      await runner?.close();
      spoolPublisher.close();
      relay.close();
      await local.delivery.close();
      await releaseLock();
      log.info('daemon stopped');
    },
  };
}

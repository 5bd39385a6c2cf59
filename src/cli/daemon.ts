// mailroom daemon: runs the service until SIGTERM/SIGINT. Started as root with
// `user` set, it splits in two (daemon/master.ts): the root process keeps only
// local writes, the service runs as that user. SIGHUP reloads the
// configuration (daemon/reload.ts).
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { startDaemon, type DaemonOptions } from '../daemon/main.js';
import { runMaster } from '../daemon/master.js';
import { notifyReady } from '../daemon/notify.js';
import { daemonAccountFor } from '../daemon/privileges.js';
import { isWorker, receiveListeners, reportStarted, writeThroughMaster } from '../daemon/worker.js';
import { createLogger } from '../shared/log.js';

export const daemonCommand: CommandModule<{ config?: string }, { config?: string; foreground?: boolean }> = {
  command: 'daemon',
  describe: 'run the mail service (local socket, pickup, queue runner)',
  builder: (y) => y.option('foreground', { type: 'boolean', default: false, describe: 'stay in the foreground and log to stderr' }),
  handler: async (args) => {
    const config = await loadConfig(args.config);
    const log = createLogger(config.log.level);
    const opts: DaemonOptions = {};
    const worker = isWorker();
    if (worker) {
      await receiveListeners();
      opts.localWrite = writeThroughMaster();
    } else {
      const account = daemonAccountFor(config);
      if (account) {
        process.exitCode = await runMaster(config, account, process.argv.slice(2), log);
        return;
      }
      if (process.getuid?.() === 0) log.warn('running as root: set user (e.g. mailroom) so that network and user input is handled without root');
    }
    const daemon = await startDaemon(config, log, opts);
    if (worker) reportStarted();
    else notifyReady();
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) return;
        stopping = true;
        log.info('stopping', { signal: sig });
        daemon.stop().then(resolve, (err) => {
          log.error('stop failed', { error: (err as Error).message });
          resolve();
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGHUP', () => {
        if (stopping) return;
        daemon.reload().catch((err) => log.error('reload failed', { error: (err as Error).message }));
      });
      // The root process is gone: stop, as the deliveries it did can no longer be done.
      if (worker) process.on('disconnect', () => stop('parent exited'));
    });
    if (worker) process.disconnect?.();
  },
};

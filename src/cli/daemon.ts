// mailroom daemon: runs the service until SIGTERM/SIGINT.
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { startDaemon } from '../daemon/main.js';
import { createLogger } from '../shared/log.js';

export const daemonCommand: CommandModule<{ config?: string }, { config?: string; foreground?: boolean }> = {
  command: 'daemon',
  describe: 'run the mail service (local socket, pickup, queue runner)',
  builder: (y) => y.option('foreground', { type: 'boolean', default: false, describe: 'stay in the foreground and log to stderr' }),
  handler: async (args) => {
    const config = await loadConfig(args.config);
    const log = createLogger(config.log.level);
    const daemon = await startDaemon(config, log);
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
      process.on('SIGHUP', () => log.warn('SIGHUP: configuration reload is not supported yet; restart the daemon to apply changes'));
    });
  },
};

// mailroom test ADDR: how an address would be routed, sending nothing.
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { describeRoute, routeRecipient } from '../route/classify.js';
import { cleanRecipient } from '../submit/sanitize.js';

export const testCommand: CommandModule<{ config?: string }, { config?: string; addresses?: string[]; from?: string }> = {
  command: 'test <addresses..>',
  describe: 'show how addresses would be routed (sends nothing)',
  builder: (y) => y.positional('addresses', { type: 'string', array: true, demandOption: true }).option('from', { type: 'string', describe: 'envelope sender (for relay.routes)' }),
  handler: async (args) => {
    const config = await loadConfig(args.config);
    for (const raw of args.addresses ?? []) {
      const addr = cleanRecipient(raw, { hostname: config.hostname, masquerade: config.masquerade });
      process.stdout.write(`${addr}: ${describeRoute(routeRecipient(config, addr, args.from ?? ''))}\n`);
    }
  },
};

// mailroom config check|show: every problem with its key path and a hint
// (exit 78), or the effective configuration with secrets masked. The checks
// themselves (shape, cross-checks, files that must exist) live in config/.
import { dump } from 'js-yaml';
import type { CommandModule } from 'yargs';
import { loadConfig, maskSecrets, type Config } from '../config/load.js';
import { ConfigError, type ConfigIssue } from '../shared/errors.js';
import { EX } from '../shared/exit-codes.js';
import { dkimKeyIssues } from '../relay/dkim-sign.js';

/** Secrets taken from the environment that this shell does not have: a note, not a failure. */
function noteUnsetEnv(c: Config): void {
  const hosts = [...c.relay.smarthosts.map((h, i) => [`relay.smarthosts[${i}]`, h] as const), ...c.relay.routes.flatMap((r, i) => r.smarthosts.map((h, j) => [`relay.routes[${i}].smarthosts[${j}]`, h] as const))];
  for (const [p, h] of hosts) {
    if (h.auth?.passwordEnv && process.env[h.auth.passwordEnv] === undefined) {
      // A daemon started by systemd may have it; say so without failing.
      process.stderr.write(`note: ${p}.auth.passwordEnv: ${h.auth.passwordEnv} is not set in this environment\n`);
    }
  }
}

export const configCommand: CommandModule<{ config?: string }, { config?: string; action?: string }> = {
  command: 'config <action>',
  describe: 'check or show the configuration',
  builder: (y) => y.positional('action', { choices: ['check', 'show'] as const, demandOption: true }),
  handler: async (args) => {
    let config: Config;
    try {
      // show prints a configuration whose files are not in place yet; check refuses it.
      config = await loadConfig(args.config, { checkFiles: args.action === 'check' });
    } catch (err) {
      if (!(err instanceof ConfigError) || args.action !== 'check') throw err;
      report(err.file, err.issues);
      process.exitCode = EX.CONFIG;
      return;
    }
    if (args.action === 'show') {
      process.stdout.write(`# effective configuration${config.file ? ` from ${config.file}` : ' (built-in defaults)'}; durations in ms, sizes in bytes\n`);
      const { file: _file, given: _given, ...rest } = config;
      process.stdout.write(dump(maskSecrets(rest), { lineWidth: 120 }));
      return;
    }
    noteUnsetEnv(config);
    // Keys that are there but cannot sign (the daemon would refuse to start).
    const keys = dkimKeyIssues(config.dkim);
    if (keys.length) {
      report(config.file, keys);
      process.exitCode = EX.CONFIG;
      return;
    }
    process.stdout.write(`${config.file ?? 'built-in defaults'}: ok\n`);
  },
};

function report(file: string | undefined, issues: ConfigIssue[]): void {
  process.stderr.write(`${file ?? 'configuration'}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n`);
  for (const i of issues) {
    process.stderr.write(`  ${i.path || '(file)'}: ${i.message}\n`);
    if (i.hint) process.stderr.write(`      hint: ${i.hint}\n`);
  }
}

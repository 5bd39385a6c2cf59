// mailroom config check|show: every problem with its key path and a hint
// (exit 78), or the effective configuration with secrets masked.
import { existsSync } from 'node:fs';
import { dump } from 'js-yaml';
import type { CommandModule } from 'yargs';
import { loadConfig, maskSecrets, type Config } from '../config/load.js';
import { ConfigError, type ConfigIssue } from '../shared/errors.js';
import { EX } from '../shared/exit-codes.js';

/** Files the configuration names that must exist for the daemon to work. */
function missingFiles(c: Config): ConfigIssue[] {
  const want: [string, string | undefined][] = [
    ['tls.cert', c.tls?.cert],
    ['tls.key', c.tls?.key],
    ...c.dkim.map((d, i) => [`dkim[${i}].privateKeyFile`, d.privateKeyFile] as [string, string]),
  ];
  const hosts = [...c.relay.smarthosts.map((h, i) => [`relay.smarthosts[${i}]`, h] as const), ...c.relay.routes.flatMap((r, i) => r.smarthosts.map((h, j) => [`relay.routes[${i}].smarthosts[${j}]`, h] as const))];
  for (const [p, h] of hosts) {
    want.push([`${p}.ca`, h.ca], [`${p}.auth.passwordFile`, h.auth?.passwordFile], [`${p}.auth.oauth2.clientSecretFile`, h.auth?.oauth2?.clientSecretFile], [`${p}.auth.oauth2.refreshTokenFile`, h.auth?.oauth2?.refreshTokenFile]);
    if (h.auth?.passwordEnv && process.env[h.auth.passwordEnv] === undefined) {
      // A daemon started by systemd may have it; say so without failing.
      process.stderr.write(`note: ${p}.auth.passwordEnv: ${h.auth.passwordEnv} is not set in this environment\n`);
    }
  }
  return want.filter(([, f]) => f !== undefined && !existsSync(f)).map(([p, f]) => ({ path: p, message: `file ${f} does not exist`, hint: 'create it or fix the path' }));
}

export const configCommand: CommandModule<{ config?: string }, { config?: string; action?: string }> = {
  command: 'config <action>',
  describe: 'check or show the configuration',
  builder: (y) => y.positional('action', { choices: ['check', 'show'] as const, demandOption: true }),
  handler: async (args) => {
    let config: Config;
    try {
      config = await loadConfig(args.config);
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
    const missing = missingFiles(config);
    if (missing.length) {
      report(config.file, missing);
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

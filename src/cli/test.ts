// mailroom test ADDR [--connect]: how each address would be routed (alias
// expansion, local / smart host / MX hosts in order) and, with --connect,
// whether each smart host (or the first reachable MX) answers, offers TLS and
// accepts the credentials — without sending any mail.
import type { CommandModule } from 'yargs';
import { loadConfig, type Config } from '../config/load.js';
import { domainOf } from '../message/address.js';
import { createResolver, resolveMx } from '../relay/mx.js';
import { probeTarget } from '../relay/probe.js';
import type { Target } from '../relay/session.js';
import { smarthostsFor } from '../relay/targets.js';
import { createLocalRouter, describeDestination } from '../route/router.js';
import { EX } from '../shared/exit-codes.js';
import { cleanRecipient } from '../submit/sanitize.js';

type Args = { config?: string; addresses?: string[]; from?: string; connect?: boolean };

async function describeRemote(config: Config, address: string, sender: string, connect: boolean, out: string[]): Promise<boolean> {
  let ok = true;
  if (config.relay.mode === 'hold') {
    out.push(`    held in the queue (relay.mode: hold) until released with mode smarthost or mx`);
    return true;
  }
  if (config.relay.mode === 'none') {
    out.push(`    undeliverable: relay.mode is none`);
    return false;
  }
  if (config.relay.mode === 'mx') {
    const domain = domainOf(address);
    const answer = await resolveMx(createResolver(config.relay.mx.dns), domain);
    if (answer.kind !== 'hosts') {
      out.push(`    MX of ${domain}: ${answer.kind === 'nullmx' ? 'null MX: the domain accepts no mail' : answer.reason}`);
      return answer.kind === 'temporary';
    }
    out.push(`    relay to the MX hosts of ${domain}, in order:`);
    for (const h of answer.hosts) out.push(`      ${h.name} (preference ${h.preference}) [${h.addresses.join(', ') || 'no address'}]`);
    if (connect) {
      const tls = config.relay.mx.tls === 'required' ? 'starttls' : config.relay.mx.tls;
      const targets = answer.hosts.flatMap((h) => h.addresses.map((a) => ({ host: h.name, address: a, port: config.relay.mx.port, tls, tlsVerify: false }) as Target));
      for (const t of targets) {
        try {
          out.push(`    check: ${await probeTarget(config, t)}`);
          return true;
        } catch (err) {
          out.push(`    check: ${t.host}[${t.address}]:${t.port} FAILED: ${(err as Error).message}`);
        }
      }
      return false;
    }
    return true;
  }
  const { targets, route } = smarthostsFor(config, sender);
  out.push(`    relay via smart hosts (${route === 'default' ? 'relay.smarthosts' : `route for ${route}`}), in order:`);
  for (const t of targets) {
    out.push(`      ${t.host}:${t.port} tls=${t.tls}${t.auth ? ` auth=${t.auth.user}${t.auth.oauth2 ? ' (oauth2)' : ''}` : ''}`);
    if (connect) {
      try {
        out.push(`        check: ${await probeTarget(config, t)}`);
      } catch (err) {
        ok = false;
        out.push(`        check: FAILED: ${(err as Error).message}`);
      }
    }
  }
  return ok;
}

export const testCommand: CommandModule<{ config?: string }, Args> = {
  command: 'test <addresses..>',
  describe: 'show how addresses would be routed; --connect also checks the smart hosts (sends no mail)',
  builder: (y) =>
    y
      .positional('addresses', { type: 'string', array: true, demandOption: true })
      .option('from', { type: 'string', describe: 'envelope sender (chooses relay.routes)' })
      .option('connect', { type: 'boolean', default: false, describe: 'connect to the smart hosts: TLS and credentials' }) as never,
  handler: async (args) => {
    const config = await loadConfig(args.config);
    const router = await createLocalRouter(config);
    const q = { hostname: config.hostname, masquerade: config.masquerade };
    const sender = args.from ?? '';
    let code: number = EX.OK;
    for (const raw of args.addresses ?? []) {
      const addr = cleanRecipient(raw, q);
      const out = [addr];
      if (!router.isLocal(addr)) {
        if (!(await describeRemote(config, addr, sender, args.connect === true, out))) code = EX.UNAVAILABLE;
      } else {
        for (const d of router.resolve(addr)) {
          out.push(`  -> ${describeDestination(d)}`);
          if (d.kind === 'unknown') code = EX.NOUSER;
          if (d.kind === 'remote' && !(await describeRemote(config, d.address, sender, args.connect === true, out))) code = EX.UNAVAILABLE;
        }
      }
      process.stdout.write(out.join('\n') + '\n');
    }
    process.exitCode = code;
  },
};

// mailroom dkim keygen DOMAIN SELECTOR: writes a new DKIM signing key (mode
// 0600, never over an existing file without --force) and prints the DNS TXT
// record to publish at SELECTOR._domainkey.DOMAIN and the `dkim` entry for the
// configuration. Works without a configuration file.
import { generateKeyPairSync } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { MailroomError } from '../shared/errors.js';
import { replaceFileAtomic, writeFileSynced } from '../shared/fsio.js';

type Args = { config?: string; domain?: string; selector?: string; type?: string; bits?: number; out?: string; force?: boolean };

/** The TXT value for a public key: "v=DKIM1; k=…; p=…" (RFC 6376 §3.6.1, RFC 8463 §4). */
export function dkimRecordValue(type: 'rsa' | 'ed25519', publicDer: Buffer): string {
  // Ed25519: p= is the bare 32-byte key, not the SubjectPublicKeyInfo (RFC 8463 §4.2).
  const p = type === 'ed25519' ? publicDer.subarray(publicDer.length - 32) : publicDer;
  return `v=DKIM1; k=${type}; p=${p.toString('base64')}`;
}

/** A zone-file TXT record; strings of at most 255 octets each (RFC 1035 §3.3.14). */
export function zoneRecord(name: string, value: string): string {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += 255) parts.push(`"${value.slice(i, i + 255)}"`);
  return `${name} IN TXT ( ${parts.join('\n\t')} )`;
}

async function writeKey(path: string, pem: string, force: boolean): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true, mode: 0o755 });
  let placeholder = false;
  try {
    // "Replace unless it exists": claim the final name with O_EXCL first.
    if (!force) {
      await writeFileSynced(path, '', 0o600);
      placeholder = true;
    }
    // Written 0600 from the start (never briefly readable), fsynced, renamed in place.
    await replaceFileAtomic(path, pem, dirname(path), 0o600);
  } catch (err) {
    if (placeholder) await fsp.rm(path, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new MailroomError('DKIM_KEY_EXISTS', `${path} already exists; use --force to replace it (the published record must then change too)`);
    throw new MailroomError('DKIM_KEY_WRITE_FAILED', `cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/** Where the key goes by default: dkim/SELECTOR.DOMAIN.key next to the configuration file. */
function defaultKeyPath(config: string | undefined, domain: string, selector: string): string {
  const file = config ?? process.env.MAILROOM_CONFIG ?? '/etc/mailroom/mailroom.yaml';
  return join(dirname(resolve(file)), 'dkim', `${selector}.${domain}.key`);
}

const keygen: CommandModule<{ config?: string }, Args> = {
  command: 'keygen <domain> <selector>',
  describe: 'write a DKIM signing key and print its DNS TXT record',
  builder: (y) =>
    y
      .positional('domain', { type: 'string', describe: 'the signing domain (d=)' })
      .positional('selector', { type: 'string', describe: 'the selector (s=)' })
      .option('type', { choices: ['rsa', 'ed25519'], default: 'rsa', describe: 'key type' })
      .option('bits', { type: 'number', default: 2048, describe: 'RSA key size (1024 to 4096)' })
      .option('out', { type: 'string', describe: 'key file (default: dkim/SELECTOR.DOMAIN.key beside the configuration file)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing key file' }),
  handler: async (args) => {
    const domain = String(args.domain ?? '').toLowerCase().replace(/\.$/, '');
    const selector = String(args.selector ?? '');
    if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(domain)) throw new MailroomError('USAGE', `not a domain name: ${JSON.stringify(args.domain)}`);
    if (!/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(selector)) throw new MailroomError('USAGE', `not a selector: ${JSON.stringify(args.selector)} (letters, digits, . _ -)`);
    const type = args.type === 'ed25519' ? 'ed25519' : 'rsa';
    const bits = Number(args.bits);
    if (type === 'rsa' && !(Number.isInteger(bits) && bits >= 1024 && bits <= 4096)) throw new MailroomError('USAGE', '--bits must be 1024 to 4096 (2048 is the usual size)');
    const keys =
      type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: bits, publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
        : generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const out = resolve(args.out ?? defaultKeyPath(args.config, domain, selector));
    await writeKey(out, keys.privateKey, args.force === true);
    const record = zoneRecord(`${selector}._domainkey.${domain}.`, dkimRecordValue(type, keys.publicKey));
    process.stderr.write(`mailroom: wrote ${out} (mode 0600; the daemon's account must be able to read it)\n`);
    process.stdout.write(
      `; publish in DNS:\n${record}\n\n# and in the configuration:\ndkim:\n  - { domain: ${domain}, selector: ${selector}, privateKeyFile: ${out} }\n`,
    );
  },
};

export const dkimCommand: CommandModule<{ config?: string }, Args> = {
  command: 'dkim <command>',
  describe: 'DKIM signing keys',
  builder: (y) => y.command(keygen).demandCommand(1, 'name a dkim command: keygen'),
  handler: () => undefined,
};

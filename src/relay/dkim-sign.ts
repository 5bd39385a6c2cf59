// DKIM signing (RFC 6376, Ed25519 per RFC 8463) of mail leaving through the
// relay, with mailauth. The key is chosen by the envelope sender's domain (or,
// for the null sender of a bounce, the From header's), an exact `dkim[].domain`
// first, then the nearest parent domain. The spool's bytes are never changed:
// the signature is put in front of the copy that is sent.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import type { Config } from '../config/load.js';
import { MailroomError, type ConfigIssue } from '../shared/errors.js';

/** Signed by default: the fields RFC 6376 §5.4.1 recommends that mail carries. */
export const DEFAULT_SIGNED_HEADERS = ['From', 'Reply-To', 'Subject', 'Date', 'To', 'Cc', 'Message-ID', 'In-Reply-To', 'References', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'List-Unsubscribe'];

interface DkimKey {
  domain: string;
  selector: string;
  pem: string;
  algorithm: 'rsa-sha256' | 'ed25519-sha256';
  headers: string[];
}

export interface DkimSigner {
  /** The message with a DKIM-Signature in front, or as it was when no key fits the sender. */
  sign(sender: string, message: Buffer): Promise<{ message: Buffer; domain?: string }>;
}

function algorithmOf(key: KeyObject, where: string): DkimKey['algorithm'] {
  if (key.asymmetricKeyType === 'rsa') return 'rsa-sha256';
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519-sha256';
  throw new MailroomError('DKIM_KEY_INVALID', `${where}: a ${key.asymmetricKeyType} key cannot sign DKIM (RSA or Ed25519 only)`);
}

/** Reads one dkim entry's key; a missing, unreadable or unusable key throws naming its key path. */
function loadDkimKey(d: Config['dkim'][number], i: number): DkimKey {
  const where = `dkim[${i}].privateKeyFile (${d.privateKeyFile})`;
  let pem: string;
  try {
    pem = readFileSync(d.privateKeyFile, 'utf8');
  } catch (err) {
    throw new MailroomError('DKIM_KEY_UNREADABLE', `${where}: cannot read the key: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    // The message of a PEM parse error carries no key material.
    throw new MailroomError('DKIM_KEY_INVALID', `${where}: not a private key in PEM form`, { cause: err });
  }
  const algorithm = algorithmOf(key, where);
  // RFC 8301 §3.2: signers MUST use RSA keys of at least 1024 bits.
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (algorithm === 'rsa-sha256' && bits < 1024) throw new MailroomError('DKIM_KEY_INVALID', `${where}: an RSA key of ${bits} bits is too short (at least 1024; 2048 is usual)`);
  return { domain: d.domain.toLowerCase(), selector: d.selector, pem, algorithm, headers: d.headers ?? DEFAULT_SIGNED_HEADERS };
}

/** Reads every dkim key once; the first unusable one stops the start with its key path. */
export function loadDkimKeys(entries: Config['dkim']): DkimKey[] {
  return entries.map(loadDkimKey);
}

/**
 * For `mailroom config check`: each key that is there but cannot sign. A key
 * the checking user may not read is left to the daemon (as a missing file
 * is to the file check), so an ordinary user's check does not fail on it.
 */
export function dkimKeyIssues(entries: Config['dkim']): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  entries.forEach((d, i) => {
    try {
      loadDkimKey(d, i);
    } catch (err) {
      const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'ENOENT') return; // ENOENT: the file check reports it
      out.push({ path: `dkim[${i}].privateKeyFile`, message: (err as Error).message.replace(/^dkim\[\d+\]\.privateKeyFile \([^)]*\): /, ''), hint: "make one with 'mailroom dkim keygen DOMAIN SELECTOR' (RSA 2048 or Ed25519, PEM)" });
    }
  });
  return out;
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

/** The From header's address domain (for bounces, whose envelope sender is empty). */
function fromHeaderDomain(message: Buffer): string {
  const end = message.indexOf('\r\n\r\n');
  const head = message.subarray(0, end < 0 ? Math.min(message.length, 65536) : end).toString('latin1');
  const m = /^From:((?:.*)(?:\r\n[ \t].*)*)/im.exec(head);
  const addr = m ? (/<([^>]*)>/.exec(m[1]!)?.[1] ?? m[1]!.trim()) : '';
  return domainOf(addr);
}

/** The key for a domain: exact, else the nearest parent (mail.example.com → example.com). */
export function keyFor(keys: readonly DkimKey[], domain: string): DkimKey | undefined {
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1 || i === 0; i++) {
    const k = keys.find((x) => x.domain === labels.slice(i).join('.'));
    if (k) return k;
  }
  return undefined;
}

export function createDkimSigner(entries: Config['dkim']): DkimSigner | undefined {
  if (!entries.length) return undefined;
  const keys = loadDkimKeys(entries);
  return {
    async sign(sender, message) {
      const key = keyFor(keys, sender ? domainOf(sender) : fromHeaderDomain(message));
      if (!key) return { message };
      const res = await dkimSign(message, {
        canonicalization: 'relaxed/relaxed',
        signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.pem, algorithm: key.algorithm, canonicalization: 'relaxed/relaxed' }],
        headerList: key.headers.join(':'), // mailauth takes the field names colon-separated
      } as unknown as Parameters<typeof dkimSign>[1]);
      if (res.errors?.length) throw new MailroomError('DKIM_SIGN_FAILED', `DKIM signing for ${key.domain} failed: ${(res.errors[0] as Error).message ?? res.errors[0]}`);
      return { message: Buffer.concat([Buffer.from(res.signatures, 'latin1'), message]), domain: key.domain };
    },
  };
}

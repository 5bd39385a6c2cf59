// sendmail(8) command-line parsing (the flags of sendmail(8)), getopt-style like Postfix:
// options up to the first non-option or "--", then recipients. Option values
// may be attached (-fuser@x) or separate (-f user@x). Unknown flags are EX_USAGE.
import { MailroomError } from '../../shared/errors.js';
import type { DsnNotify } from '../../spool/envelope.js';

export type Mode = 'deliver' | 'smtp' | 'print' | 'aliases' | 'verify' | 'queue';

export interface SendmailOptions {
  mode: Mode;
  from?: string;
  fullName?: string;
  extractRecipients: boolean;
  ignoreDots: boolean;
  recipients: string[];
  notify?: DsnNotify[];
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  body?: '7BIT' | '8BITMIME';
  config?: string;
  verbose: boolean;
  queueSite?: string;
  queueId?: string;
}

const usage = (msg: string) => new MailroomError('USAGE', msg);

/** Options that take a value (attached or as the next argument). */
const WITH_VALUE = new Set(['f', 'r', 'F', 'N', 'R', 'V', 'B', 'L', 'C', 'X', 'h', 'O', 'p', 'A', 'e']);
/** Options accepted and ignored (they only tune what Postfix or Sendmail would do). */
const IGNORED_FLAGS = new Set(['n', 'U', 'G', 'm']);

export function parseNotify(v: string): DsnNotify[] {
  const parts = v.split(',').map((p) => p.trim().toUpperCase());
  const allowed = new Set(['NEVER', 'SUCCESS', 'FAILURE', 'DELAY']);
  if (parts.some((p) => !allowed.has(p))) throw usage(`-N ${v}: use "never" or a list of success,failure,delay`);
  if (parts.includes('NEVER') && parts.length > 1) throw usage(`-N ${v}: "never" cannot be combined`);
  return parts as DsnNotify[];
}

function parseEnvid(v: string): string {
  // RFC 3461 §4.4: printable US-ASCII; carried as xtext.
  if (!/^[\x21-\x7e]{1,100}$/.test(v)) throw usage('-V: the envelope id must be 1-100 printable ASCII characters without spaces');
  return v;
}

export function parseFlags(argv: string[], invokedAs: string): SendmailOptions {
  const o: SendmailOptions = { mode: 'deliver', extractRecipients: false, ignoreDots: false, recipients: [], verbose: false };
  if (invokedAs === 'mailq') o.mode = 'print';
  if (invokedAs === 'newaliases') o.mode = 'aliases';
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const flag = arg[1]!;
    let rest = arg.slice(2);
    if (WITH_VALUE.has(flag) && rest === '') {
      if (i + 1 >= argv.length) throw usage(`option -${flag} needs a value`);
      rest = argv[++i]!;
    }
    switch (flag) {
      case 'f':
      case 'r':
        o.from = rest;
        break;
      case 'F':
        o.fullName = rest;
        break;
      case 't':
        if (rest) throw usage(`unknown option ${arg}`);
        o.extractRecipients = true;
        break;
      case 'i':
        if (rest) throw usage(`unknown option ${arg}`);
        o.ignoreDots = true;
        break;
      case 'v':
        o.verbose = true;
        break;
      case 'N':
        o.notify = parseNotify(rest);
        break;
      case 'R': {
        const r = rest.toUpperCase();
        if (r !== 'FULL' && r !== 'HDRS') throw usage(`-R ${rest}: use full or hdrs`);
        o.ret = r;
        break;
      }
      case 'V':
        o.envid = parseEnvid(rest);
        break;
      case 'B': {
        const b = rest.toUpperCase();
        if (b !== '7BIT' && b !== '8BITMIME') throw usage(`-B ${rest}: use 7BIT or 8BITMIME`);
        o.body = b;
        break;
      }
      case 'C':
        o.config = rest;
        break;
      case 'b':
        o.mode = modeOf(rest, arg);
        break;
      case 'I':
        // Postfix and Sendmail: -I is -bi (newaliases).
        if (rest) throw usage(`unknown option ${arg}`);
        o.mode = 'aliases';
        break;
      case 'q':
        o.mode = 'queue';
        if (rest.startsWith('R') || rest.startsWith('I')) {
          const v = rest.slice(1) || argv[++i];
          if (!v) throw usage(`option -q${rest[0]} needs a value`);
          if (rest[0] === 'R') o.queueSite = v;
          else o.queueId = v;
        } else if (rest && !/^\d+[smhdw]?$/.test(rest)) throw usage(`unknown option ${arg}`);
        break;
      case 'o':
        // -oi is -i; -odb/-odi/-odq, -oem/-oep/-oeq/-oew and the rest are accepted.
        if (rest === 'i') o.ignoreDots = true;
        else if (rest === '') i++;
        break;
      case 'L':
      case 'X':
      case 'h':
      case 'O':
      case 'p':
      case 'A':
      case 'e':
        break;
      default:
        if (IGNORED_FLAGS.has(flag) && rest === '') break;
        throw usage(`unknown option ${arg}`);
    }
  }
  o.recipients = argv.slice(i);
  // Options end at the first recipient (POSIX getopt, as Postfix sets it up on
  // Linux). An option after a recipient would otherwise become an address such
  // as "-f@host": refuse it unless "--" said that what follows are addresses.
  if (argv[i - 1] !== '--') {
    const late = o.recipients.find((r) => r.startsWith('-') && r !== '-');
    if (late !== undefined) throw usage(`option ${late} after the recipients; give options first (or end them with --)`);
  }
  return o;
}

function modeOf(b: string, arg: string): Mode {
  switch (b) {
    case 'm':
      return 'deliver';
    case 's':
      return 'smtp';
    case 'p':
      return 'print';
    case 'i':
      return 'aliases';
    case 'v':
      return 'verify';
    default:
      throw usage(`unsupported mode ${arg} (use -bm, -bs, -bp, -bi or -bv)`);
  }
}

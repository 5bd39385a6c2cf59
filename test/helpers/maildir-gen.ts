// Fast generator of realistic Maildirs for the IMAP client tests and the
// bench: N messages of the shapes real mailboxes hold (plain text, HTML
// alternatives, attachments up to a few hundred KB, forwarded messages,
// encoded-word subjects), LF line endings with ,S= and ,W= in the names as
// Dovecot's own delivery writes them, flags in cur/, and Maildir++ folders.
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { encodeMutf7 } from '../../src/mailbox/mutf7.js';

/** Deterministic 32-bit PRNG (mulberry32): a fixed seed gives the same Maildir every run. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Words of subjects and bodies; SUBJECT_WORDS[k] appears in subjects with a known frequency. */
export const SUBJECT_WORDS = ['invoice', 'meeting', 'report', 'backup', 'release', 'budget', 'holiday', 'security', 'newsletter', 'deploy'];
const BODY_WORDS = 'the of and to in is that for it as with was on be at by this had not are but from or have an they which one you were all we her she there would their will when who him been has more if no out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(' ');
const NAMES = ['Alice Martin', 'Bob Dupont', 'Chloé Girard', 'Dmitri Ivanov', 'Eve Lambert', 'Fritz Müller', 'Grace Hopper', 'Hiroshi Tanaka', 'Ines "Nes" Costa', 'José Álvarez'];

export interface GeneratedMessage {
  /** Folder name as IMAP shows it ('INBOX', 'Sent', 'Archive.2026', ...). */
  folder: string;
  file: string;
  size: number;
  /** The subject as a client decodes it; `rawSubject` is the header as stored (maybe an encoded word). */
  subject: string;
  rawSubject: string;
  from: string;
  date: Date;
  flags: string;
}

export interface GenOptions {
  /** Messages per folder: { INBOX: 500, Sent: 40, 'Archive.2026': 30, 'Entwürfe': 5 }. */
  folders: Record<string, number>;
  seed?: number;
  /** Scale of the attachment sizes (1 = up to ~400 KB). */
  attachmentScale?: number;
}

export interface GenResult {
  messages: GeneratedMessage[];
  bytes: number;
}

const POOL = (() => {
  const rand = prng(99);
  const b = Buffer.allocUnsafe(1 << 20);
  for (let i = 0; i < b.length; i += 4) b.writeUInt32LE((rand() * 4294967296) >>> 0, i);
  return b;
})();

function words(rand: () => number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(BODY_WORDS[Math.floor(rand() * BODY_WORDS.length)]!);
  return out.join(' ');
}

function paragraphText(rand: () => number, bytes: number): string {
  const lines: string[] = [];
  let n = 0;
  while (n < bytes) {
    const line = words(rand, 8 + Math.floor(rand() * 6));
    lines.push(rand() < 0.03 ? `.${line}` : rand() < 0.05 ? '' : line);
    n += line.length + 1;
  }
  return lines.join('\n');
}

function base64Of(rand: () => number, bytes: number): string {
  const start = Math.floor(rand() * (POOL.length - bytes));
  const raw = bytes <= POOL.length ? POOL.subarray(Math.max(0, start), Math.max(0, start) + bytes) : Buffer.concat([POOL, POOL.subarray(0, bytes - POOL.length)]);
  return raw.toString('base64').replace(/.{76}/g, '$&\n');
}

function encodedWord(s: string): string {
  return `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=`;
}

function addr(name: string, i: number): string {
  const local = name.toLowerCase().replace(/[^a-z]/g, '.').replace(/\.+/g, '.').replace(/^\.|\.$/g, '');
  const display = /^[\x20-\x7e]*$/.test(name) ? (/[",]/.test(name) ? `"${name.replace(/"/g, '\\"')}"` : name) : encodedWord(name);
  return `${display} <${local}${i % 3 === 0 ? '' : i % 3}@example.org>`;
}

interface Built {
  text: string;
  subject: string;
  rawSubject: string;
  from: string;
  date: Date;
}

function build(i: number, rand: () => number, scale: number): Built {
  const word = SUBJECT_WORDS[i % SUBJECT_WORDS.length]!;
  const subjectText = `${rand() < 0.2 ? 'Re: ' : ''}${word} ${words(rand, 2 + Math.floor(rand() * 4))} #${i}`;
  const decoded = rand() < 0.1 ? `${subjectText} — ünïcødé` : subjectText;
  const subject = decoded === subjectText ? subjectText : encodedWord(decoded);
  const fromName = NAMES[i % NAMES.length]!;
  const from = addr(fromName, i);
  const date = new Date(Date.UTC(2025, 0, 1) + Math.floor(rand() * 400) * 86_400_000 + Math.floor(rand() * 86_400) * 1000);
  const head = [
    `Return-Path: <${from.replace(/.*<|>.*/g, '')}>`,
    `Received: from mx.example.org (mx.example.org [192.0.2.${i % 250}])\n\tby mail.example.net with ESMTPS id ${i.toString(36)}\n\tfor <user@example.net>; ${date.toUTCString().replace('GMT', '+0000')}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `From: ${from}`,
    `To: ${addr(NAMES[(i + 3) % NAMES.length]!, i + 1)}${rand() < 0.3 ? `, ${addr(NAMES[(i + 5) % NAMES.length]!, i + 2)}` : ''}`,
    ...(rand() < 0.25 ? [`Cc: ${addr(NAMES[(i + 7) % NAMES.length]!, i)}`] : []),
    `Subject: ${subject}`,
    `Message-ID: <gen.${i}.${Math.floor(rand() * 1e9)}@example.org>`,
    ...(subjectText.startsWith('Re:') ? [`In-Reply-To: <gen.${Math.max(0, i - 1)}@example.org>`] : []),
    'MIME-Version: 1.0',
  ];
  const r = rand();
  let body: string;
  if (r < 0.5) {
    // Plain text, 2–20 KB.
    head.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit');
    body = paragraphText(rand, 2000 + rand() * 18_000);
  } else if (r < 0.7) {
    // multipart/alternative: text and HTML, 3–20 KB.
    const b = `alt-${i}-${Math.floor(rand() * 1e6)}`;
    const t = paragraphText(rand, 1500 + rand() * 8000);
    head.push(`Content-Type: multipart/alternative; boundary="${b}"`);
    body = `This is a multi-part message in MIME format.\n\n--${b}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n${t.replace(/=/g, '=3D')}\n--${b}\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>${t.replace(/\n\n/g, '</p><p>')}</p></body></html>\n--${b}--\n`;
  } else if (r < 0.9) {
    // multipart/mixed: an alternative part and one or two attachments, 20–400 KB.
    const b = `mix-${i}-${Math.floor(rand() * 1e6)}`;
    const a = `alt-${i}-${Math.floor(rand() * 1e6)}`;
    const t = paragraphText(rand, 800 + rand() * 3000);
    const n = rand() < 0.3 ? 2 : 1;
    let atts = '';
    for (let k = 0; k < n; k++) {
      const size = Math.floor((rand() < 0.85 ? 15_000 + rand() * 60_000 : 100_000 + rand() * 200_000) * scale);
      const [type, ext] = rand() < 0.5 ? ['application/pdf', 'pdf'] : ['image/jpeg', 'jpg'];
      atts += `--${b}\nContent-Type: ${type}; name="file-${i}-${k}.${ext}"\nContent-Disposition: attachment; filename="file-${i}-${k}.${ext}"\nContent-Transfer-Encoding: base64\n\n${base64Of(rand, size)}\n`;
    }
    head.push(`Content-Type: multipart/mixed; boundary="${b}"`);
    body = `--${b}\nContent-Type: multipart/alternative; boundary="${a}"\n\n--${a}\nContent-Type: text/plain; charset=utf-8\n\n${t}\n--${a}\nContent-Type: text/html; charset=utf-8\n\n<p>${t}</p>\n--${a}--\n\n${atts}--${b}--\n`;
  } else if (r < 0.95) {
    // A forwarded message: message/rfc822 inside multipart/mixed.
    const b = `fwd-${i}-${Math.floor(rand() * 1e6)}`;
    head.push(`Content-Type: multipart/mixed; boundary="${b}"`);
    const inner = `From: ${addr(NAMES[(i + 1) % NAMES.length]!, i)}\nTo: ${addr(fromName, i)}\nSubject: original ${word}\nDate: ${date.toUTCString().replace('GMT', '+0000')}\nMessage-ID: <inner.${i}@example.org>\nContent-Type: text/plain; charset=us-ascii\n\n${paragraphText(rand, 1000 + rand() * 4000)}\n`;
    body = `--${b}\nContent-Type: text/plain; charset=us-ascii\n\nSee the message below.\n\n--${b}\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n${inner}\n--${b}--\n`;
  } else {
    // Short notifications, under 1 KB.
    head.push('Content-Type: text/plain; charset=us-ascii');
    body = `${words(rand, 20 + Math.floor(rand() * 60))}\n`;
  }
  return { text: `${head.join('\n')}\n\n${body}${body.endsWith('\n') ? '' : '\n'}`, subject: decoded, rawSubject: subject, from, date };
}

/** The directory of a folder inside the user's Maildir (Maildir++: ".Name", modified UTF-7). */
export function folderDir(maildir: string, folder: string): string {
  return folder === 'INBOX' ? maildir : join(maildir, `.${encodeMutf7(folder)}`);
}

/** Writes the messages into `maildir` (the user's INBOX) and its folders; returns what was written. */
export function generateMaildir(maildir: string, opts: GenOptions): GenResult {
  const rand = prng(opts.seed ?? 4242);
  const scale = opts.attachmentScale ?? 1;
  const messages: GeneratedMessage[] = [];
  let bytes = 0;
  let i = 0;
  for (const [folder, count] of Object.entries(opts.folders)) {
    const dir = folderDir(maildir, folder);
    for (const d of ['tmp', 'new', 'cur']) mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
    if (folder !== 'INBOX') writeFileSync(join(dir, 'maildirfolder'), '');
    for (let k = 0; k < count; k++, i++) {
      const m = build(i, rand, scale);
      const buf = Buffer.from(m.text);
      const lines = m.text.split('\n').length - 1;
      // Names sort in generation order (servers give UIDs in name order);
      // the file's mtime is the INTERNALDATE, the Date: header's time.
      const base = `${1_700_000_000 + i}.M${100000 + i}P4242Q${i}.gen.example,S=${buf.length},W=${buf.length + lines}`;
      // The most recent tenth still in new/; the rest read, some flagged or answered.
      const isNew = k >= count - Math.ceil(count / 10) && folder === 'INBOX';
      const f = rand();
      const flags = isNew ? '' : f < 0.6 ? 'S' : f < 0.7 ? 'FS' : f < 0.8 ? 'RS' : '';
      const file = isNew ? join(dir, 'new', base) : join(dir, 'cur', `${base}:2,${flags}`);
      writeFileSync(file, buf);
      utimesSync(file, m.date, m.date);
      bytes += buf.length;
      messages.push({ folder, file, size: buf.length + lines, subject: m.subject, rawSubject: m.rawSubject, from: m.from, date: m.date, flags });
    }
  }
  return { messages, bytes };
}

/**
 * Where a generated message is now: servers move new/ files to cur/ and
 * rename them as flags change; the unique base before ':' stays.
 */
export function currentFile(file: string): string | undefined {
  const folder = dirname(dirname(file));
  const base = basename(file).split(':')[0]!;
  for (const d of ['cur', 'new']) {
    const hit = readdirSync(join(folder, d)).find((n) => n.split(':')[0] === base);
    if (hit) return join(folder, d, hit);
  }
  return undefined;
}

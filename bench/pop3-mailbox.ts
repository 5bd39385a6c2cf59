// The POP3 bench's mailbox: 10,000 messages (70 % 1–4 KB text, 25 % 20–100 KiB
// multipart with a base64 attachment, 5 % 0.5–1 MiB), CRLF, written straight
// into cur/ with standard Maildir names carrying ,S= and ,W= (both the CRLF
// size). A fixed seed makes every run build the same mailbox.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'the quick brown fox jumps over a lazy dog while cron reports disk usage backup finished with status ok'.split(' ');

function text(rand: () => number, bytes: number): string {
  const lines: string[] = [];
  let n = 0;
  while (n < bytes) {
    let line = '';
    while (line.length < 60 + rand() * 12) line += WORDS[Math.floor(rand() * WORDS.length)] + ' ';
    if (rand() < 0.02) line = '.' + line; // lines that need dot-stuffing
    lines.push(line.trimEnd());
    n += line.length + 2;
  }
  return lines.join('\r\n');
}

function base64Lines(rand: () => number, bytes: number): string {
  const raw = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i += 4) raw.writeUInt32LE((rand() * 4294967296) >>> 0, Math.min(i, bytes - 4));
  return raw.toString('base64').replace(/.{76}/g, '$&\r\n');
}

function headers(i: number, subject: string, extra: string[]): string {
  return [
    `Return-Path: <sender${i % 17}@example.com>`,
    `Delivered-To: bench@bench.example`,
    `From: Sender ${i % 17} <sender${i % 17}@example.com>`,
    'To: bench@bench.example',
    `Subject: ${subject} ${i}`,
    `Date: Tue, 14 Nov 2023 22:${String(i % 60).padStart(2, '0')}:00 +0000`,
    `Message-ID: <bench.${i}@example.com>`,
    'MIME-Version: 1.0',
    ...extra,
  ].join('\r\n');
}

function buildMessage(i: number, rand: () => number): string {
  const r = rand();
  if (r < 0.7) return `${headers(i, 'report', ['Content-Type: text/plain; charset=utf-8'])}\r\n\r\n${text(rand, 1000 + rand() * 3000)}\r\n`;
  const size = r < 0.95 ? 20 * 1024 + rand() * 80 * 1024 : 512 * 1024 + rand() * 512 * 1024;
  const boundary = `b${i}x`;
  return (
    `${headers(i, 'attachment', [`Content-Type: multipart/mixed; boundary="${boundary}"`])}\r\n\r\n` +
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text(rand, 600)}\r\n` +
    `--${boundary}\r\nContent-Type: application/octet-stream; name="data${i}.bin"\r\nContent-Transfer-Encoding: base64\r\n` +
    `Content-Disposition: attachment; filename="data${i}.bin"\r\n\r\n${base64Lines(rand, Math.floor((size * 3) / 4))}\r\n--${boundary}--\r\n`
  );
}

/** Writes the mailbox under <root>/<user>/; returns the message count and total bytes. */
export function buildBenchMailbox(root: string, user: string, count: number): { count: number; bytes: number } {
  const dir = join(root, user);
  for (const d of ['tmp', 'new', 'cur']) mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
  const rand = prng(4242);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const buf = Buffer.from(buildMessage(i, rand));
    bytes += buf.length;
    const base = `${1_700_000_000 + i}.M${100000 + i}P777Q${i}.bench.example,S=${buf.length},W=${buf.length}`;
    writeFileSync(join(dir, 'cur', `${base}:2,`), buf);
  }
  return { count, bytes };
}

// Generated messages for the MIME speed diagnostic: realistic header blocks
// (Received chain, folded DKIM-Signature, encoded names) and multipart/mixed
// bodies with a text/html alternative and base64 attachments, 5-60 KB each,
// from a seeded generator so runs are comparable.

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS = 'the quick brown fox jumps over lazy dog meeting report budget quarter release notes invoice schedule'.split(' ');

function words(r: () => number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]!);
  return out.join(' ');
}

function base64Lines(r: () => number, bytes: number): string {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = Math.floor(r() * 256);
  return data.toString('base64').replace(/.{76}/g, '$&\r\n');
}

/** One message of roughly `size` octets (CRLF line endings). */
export function generateMessage(i: number, size: number): Buffer {
  const r = rng(i + 1);
  const b = `----=_Part_${i}_${Math.floor(r() * 1e9)}`;
  const alt = `----=_Alt_${i}`;
  const head = [
    `Return-Path: <sender${i}@example.org>`,
    ...[1, 2, 3].map((h) => `Received: from mx${h}.example.net (mx${h}.example.net [192.0.2.${h}])\r\n\tby mail.example.com (mailroom) with ESMTPS id ${i}x${h}\r\n\tfor <user@example.com>; Mon, 3 Jun 2024 10:0${h}:00 +0000`),
    `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=sel;\r\n\th=from:to:subject:date:message-id; bh=${'A'.repeat(44)};\r\n\tb=${'B'.repeat(70)}\r\n\t ${'C'.repeat(70)}`,
    `From: =?UTF-8?Q?J=C3=BCrgen_Sender_${i}?= <sender${i}@example.org>`,
    `To: "User, Example" <user@example.com>, team@example.com`,
    `Cc: Other Person <other${i % 7}@example.net>`,
    `Subject: ${words(r, 6)} #${i}`,
    `Date: Mon, 3 Jun 2024 10:00:${String(i % 60).padStart(2, '0')} +0200`,
    `Message-ID: <msg-${i}@example.org>`,
    `In-Reply-To: <msg-${i - 1}@example.org>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${b}"`,
  ].join('\r\n');
  const text = Array.from({ length: 12 }, () => words(r, 12)).join('\r\n');
  const html = `<html><body>${Array.from({ length: 12 }, () => `<p>${words(r, 12)}</p>`).join('\r\n')}</body></html>`;
  let body =
    `${head}\r\n\r\nThis is a multi-part message in MIME format.\r\n--${b}\r\nContent-Type: multipart/alternative; boundary="${alt}"\r\n\r\n` +
    `--${alt}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${text}\r\n` +
    `--${alt}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${html}\r\n--${alt}--\r\n`;
  const attachments = 1 + Math.floor(r() * 3);
  const left = Math.max(0, size - body.length);
  for (let a = 0; a < attachments; a++) {
    body +=
      `--${b}\r\nContent-Type: application/pdf; name="file-${a}.pdf"\r\nContent-Transfer-Encoding: base64\r\n` +
      `Content-Disposition: attachment; filename="file-${a}.pdf"\r\n\r\n${base64Lines(r, Math.floor((left * 3) / 4 / attachments))}\r\n`;
  }
  return Buffer.from(`${body}--${b}--\r\n`);
}

/** `count` messages with sizes spread over 5-60 KB. */
export function generateMailbox(count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) out.push(generateMessage(i, 5_000 + ((i * 7919) % 55_000)));
  return out;
}

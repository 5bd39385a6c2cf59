// The MIME fixtures (test/fixtures/imap-mime/*.eml): stored with LF line
// endings for readability and turned into CRLF here, as the folder store
// hands messages to IMAP (a bare CR or CRLF already in a file is kept).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Fixture {
  readonly name: string;
  readonly data: Buffer;
}

export const FIXTURE_DIR = join(process.cwd(), 'test', 'fixtures', 'imap-mime');

export function toCrlf(b: Buffer): Buffer {
  return Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((n) => n.endsWith('.eml'))
    .sort()
    .map((name) => ({ name, data: toCrlf(readFileSync(join(FIXTURE_DIR, name))) }));
}

export function fixture(name: string): Buffer {
  return toCrlf(readFileSync(join(FIXTURE_DIR, name)));
}

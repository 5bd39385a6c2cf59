// Credentials for smart hosts, read when needed (passwordFile, passwordEnv or
// inline password), never logged, never part of an error message.
import { readFileSync } from 'node:fs';
import { MailroomError } from '../shared/errors.js';

export interface PasswordSource {
  password?: string | undefined;
  passwordFile?: string | undefined;
  passwordEnv?: string | undefined;
}

export function readSecret(src: PasswordSource, what: string): string {
  if (src.password !== undefined) return src.password;
  if (src.passwordEnv) {
    const v = process.env[src.passwordEnv];
    if (v === undefined) throw new MailroomError('SECRET_MISSING', `${what}: environment variable ${src.passwordEnv} is not set`);
    return v;
  }
  if (src.passwordFile) {
    try {
      return readFileSync(src.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new MailroomError('SECRET_MISSING', `${what}: cannot read ${src.passwordFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  throw new MailroomError('SECRET_MISSING', `${what}: no password configured`);
}

// Defaults that need the machine (host name). Kept free of zod so the fast
// sendmail path can use it too.
import { hostname } from 'node:os';

export function defaultHostname(): string {
  return hostname() || 'localhost';
}

export const DEFAULT_CONFIG_PATH = '/etc/mailroom/mailroom.yaml';

// The built-in configuration defaults, in one place: the schema (schema.ts)
// applies them to a config file, the sendmail fast path's view (submit-view.ts)
// uses them when there is no config file, and install relies on the paths.
// Kept free of zod so the fast path can import it.
import { hostname } from 'node:os';

export function defaultHostname(): string {
  return hostname() || 'localhost';
}

export const DEFAULT_CONFIG_PATH = '/etc/mailroom/mailroom.yaml';

/** Defaults as written in a config file (sizes as text, parsed like the file's). */
export const CONFIG_DEFAULTS = {
  spool: '/var/spool/mailroom',
  socket: '/run/mailroom/submit.sock',
  maxMessageSize: '25MB',
  aliases: '/etc/aliases',
  users: '/etc/mailroom/users',
  local: {
    mailboxes: '/var/mail',
    format: 'maildir',
    systemUsers: true,
  },
} as const;

/** local.domains when the file gives none: localhost and the host name, lower-cased. */
export function defaultLocalDomains(host: string): string[] {
  return ['localhost', host].map((d) => d.toLowerCase());
}

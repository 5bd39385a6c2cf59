// HOST:PORT as the configuration writes listening addresses ([v6]:PORT for IPv6).
import { MailroomError } from './errors.js';

/** Splits HOST:PORT or [v6]:PORT. */
export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(s);
  if (!m) throw new MailroomError('CONFIG_INVALID', 'config', `not HOST:PORT: ${s}`);
  return { host: (m[1] ?? m[2])!, port: Number(m[3]) };
}

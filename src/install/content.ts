// The files install writes, made from the package's etc/: the systemd unit
// (ExecStart pointing at this package's bin/mailroom), the tmpfiles.d line for
// /run/mailroom, and the default configuration: the commented example with
// every setting switched off (its example hosts and files would stop the
// daemon) and one live key, `user:`, the account the daemon runs as.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MailroomError } from '../shared/errors.js';
import { PACKAGE_DIR } from './system.js';

const example = (name: string): string => readFileSync(join(PACKAGE_DIR, 'etc', name), 'utf8');

/** etc/mailroom.service with ExecStart's program replaced (its arguments kept). */
export function unitText(mailroomBin: string): string {
  const text = example('mailroom.service');
  if (!/^ExecStart=\S+/m.test(text)) throw new MailroomError('INSTALL_UNIT', 'etc/mailroom.service has no ExecStart line');
  // systemd splits ExecStart at spaces unless the word is quoted.
  const program = /\s/.test(mailroomBin) ? JSON.stringify(mailroomBin) : mailroomBin;
  return text.replace(/^ExecStart=\S+/m, () => `ExecStart=${program}`);
}

/** tmpfiles.d(5): /run is empty at boot; this makes the socket directory before the daemon starts. */
export function tmpfilesText(user: string): string {
  return `# mailroom: the directory of the submission and control sockets (written by mailroom install).\nd /run/mailroom 0755 ${user} ${user} -\n`;
}

export function configText(user: string): string {
  const body = example('mailroom.yaml')
    .split('\n')
    .map((line) => (line.trim() === '' || line.trimStart().startsWith('#') ? line : `# ${line}`))
    .join('\n');
  return (
    `# Written by mailroom install. Every setting of the example below is commented\n` +
    `# out, so the built-in defaults apply (mail leaves through each domain's MX\n` +
    `# hosts); uncomment and edit what you need, then: mailroom config check\n` +
    `user: ${user}                      # the account the daemon runs as once its sockets are bound\n\n` +
    body
  );
}

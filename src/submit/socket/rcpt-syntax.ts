// smtp-server answers a recipient path it cannot parse with a bare "501 Error:
// Bad recipient address syntax" before onRcptTo sees it (and cuts the path at
// white space). The local socket answers every malformed path itself, 553
// 5.1.3 with the reason naming the address, as `sendmail -bs` does. smtp-server
// has no hook for this: smtp-server-adapter.ts lets this module answer RCPT
// first, for servers created with `explainRcptSyntax` only.
import { addressProblem, stripBrackets } from '../../message/address.js';
import { beforeRcpt } from './smtp-server-adapter.js';

/**
 * The path of "RCPT TO:<path> params" as written: "<" up to the first ">"
 * outside a quoted local part, else (no "<", or no ">") up to white space.
 */
export function rcptPath(command: string): string | undefined {
  const m = /^RCPT\s+TO:\s*/i.exec(command);
  if (!m) return undefined;
  const rest = command.slice(m[0].length);
  if (rest.startsWith('<')) {
    for (let i = 1; i < rest.length; i++) {
      if (rest[i] === '"') {
        for (i++; i < rest.length && rest[i] !== '"'; i++) if (rest[i] === '\\') i++;
      } else if (rest[i] === '>') return rest.slice(0, i + 1);
    }
  }
  return rest.split(/\s/)[0];
}

/** Why the path of a RCPT command is malformed, or undefined (also for what smtp-server judges itself: "<>", a missing path). */
export function rcptSyntaxProblem(command: string): string | undefined {
  const path = rcptPath(command);
  if (path === undefined) return undefined;
  // A source route ("<@relay.example:user@example.net>") is accepted and ignored (RFC 5321 §4.1.2, appendix C).
  const address = stripBrackets(path).replace(/^@[^:<>\s]*:/, '');
  return address === '' ? undefined : addressProblem(address);
}

export function explainRcptSyntax(): void {
  beforeRcpt((c, command) => {
    // Before MAIL, smtp-server's own 503 comes first.
    if (c.serverOptions.explainRcptSyntax !== true || !c.hasSender) return false;
    const why = rcptSyntaxProblem(command);
    if (!why) return false;
    c.send(553, `5.1.3 bad recipient: ${why}`);
    return true;
  });
}

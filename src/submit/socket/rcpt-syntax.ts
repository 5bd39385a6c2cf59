// smtp-server answers a recipient path it cannot parse with a bare "501 Error:
// Bad recipient address syntax" before onRcptTo sees it (and cuts the path at
// white space). The local socket answers every malformed path itself, 553
// 5.1.3 with the reason naming the address, as `sendmail -bs` does. smtp-server
// has no hook for this: the connection's RCPT handler is wrapped, for servers
// created with `explainRcptSyntax` only (as greeting.ts does for the greeting).
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { addressProblem, stripBrackets } from '../../message/address.js';

interface Patchable {
  handler_RCPT(command: Buffer | string, callback: () => void): void;
  send(code: number, text: string): void;
  session: { envelope: { mailFrom: unknown } };
  _server: { options: { explainRcptSyntax?: boolean } };
}

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

let patched = false;

export function explainRcptSyntax(): void {
  if (patched) return;
  patched = true;
  const proto = (SMTPConnection as unknown as { prototype: Patchable }).prototype;
  const original = proto.handler_RCPT;
  proto.handler_RCPT = function (this: Patchable, command, callback) {
    // Before MAIL, smtp-server's own 503 comes first.
    if (this._server.options.explainRcptSyntax === true && this.session.envelope.mailFrom) {
      const why = rcptSyntaxProblem(command.toString());
      if (why) {
        this.send(553, `5.1.3 bad recipient: ${why}`);
        return callback();
      }
    }
    return original.call(this, command, callback);
  };
}

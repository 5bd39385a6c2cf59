// The command line bound of the submission socket. RFC 5321 §4.5.3.1.4 allows
// 512 octets per command line; DSN (RFC 3461 §4, §5) lets MAIL grow by 100 and
// RCPT by 500, so the longest legal line is a RCPT of 1,012 octets with CRLF.
// smtp-server enforces the bound itself (`maxCommandLength`, 16 KB by default)
// but answers 421, a temporary failure the client would retry with the same
// line; servers made with these options answer "500 5.5.2 Line too long"
// (RFC 5321 §4.5.3.1.10) instead and close, as smtp-server cannot resume
// after an over-long line. DATA lines are not bounded here: the message is,
// by the size limit.
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** Octets of a command line without its CRLF. */
export const SMTP_COMMAND_LINE_MAX = 1010;

interface Parser {
  on(event: 'error', listener: (err: Error) => void): void;
  removeAllListeners(event: 'error'): void;
}

interface Patchable {
  _createParser(): Parser;
  send(code: number, text: string, context?: string | false): void;
  close(): void;
  _server: { options: { answerLongLines?: boolean } };
}

let patched = false;

/** Options to spread into the SMTPServer options: the bound and the 500 reply. */
export function boundCommandLines(): object {
  const proto = (SMTPConnection as unknown as { prototype: Partial<Patchable> }).prototype;
  // Without this private hook (another smtp-server version) the bound still holds, with its 421.
  if (!patched && typeof proto._createParser === 'function') {
    patched = true;
    const original = proto._createParser;
    proto._createParser = function (this: Patchable) {
      const parser = original.call(this);
      if (this._server.options.answerLongLines !== true) return parser;
      // The parser's errors carry no code; its only one today is this message.
      parser.removeAllListeners('error');
      parser.on('error', (err) => {
        if (err.message !== 'Command line too long') return this.send(421, `Error: ${err.message}`);
        this.send(500, '5.5.2 Line too long', false);
        this.close();
      });
      return parser;
    };
  }
  return { maxCommandLength: SMTP_COMMAND_LINE_MAX, answerLongLines: true };
}

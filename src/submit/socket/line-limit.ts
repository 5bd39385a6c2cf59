// The command line bound of the submission socket. RFC 5321 §4.5.3.1.4 allows
// 512 octets per command line; DSN (RFC 3461 §4, §5) lets MAIL grow by 100 and
// RCPT by 500, so the longest legal line is a RCPT of 1,012 octets with CRLF.
// smtp-server enforces the bound itself (`maxCommandLength`, 16 KB by default)
// but answers 421, a temporary failure the client would retry with the same
// line; servers made with these options answer "500 5.5.2 Line too long"
// (RFC 5321 §4.5.3.1.10) instead and close, as smtp-server cannot resume
// after an over-long line. DATA lines are not bounded here: the message is,
// by the size limit.
import { answerParserErrors } from './smtp-server-adapter.js';

/** Octets of a command line without its CRLF. */
export const SMTP_COMMAND_LINE_MAX = 1010;

/** Options to spread into the SMTPServer options: the bound and the 500 reply. */
export function boundCommandLines(): object {
  // Without the adapter's hook (another smtp-server version) the bound still holds, with its 421.
  answerParserErrors(
    (c) => c.serverOptions.answerLongLines === true,
    (c, err) => {
      // The parser's errors carry no code; its only one today is this message.
      if (err.message !== 'Command line too long') return c.send(421, `Error: ${err.message}`);
      c.send(500, '5.5.2 Line too long', false);
      c.close();
    },
  );
  return { maxCommandLength: SMTP_COMMAND_LINE_MAX, answerLongLines: true };
}

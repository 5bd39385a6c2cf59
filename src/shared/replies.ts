// Replies at the protocol edges. An error becomes the SMTP reply of its row in
// the error catalogue (errors.ts): a client sees a generic reply, the detail
// goes to the log line.
import { edgeOf, isMailroomError } from './errors.js';

export type SmtpCode = 250 | 251 | 252 | 421 | 450 | 451 | 452 | 501 | 503 | 550 | 552 | 553 | 554;

export interface SmtpReply {
  code: SmtpCode;
  enhanced: string;
  text: string;
}

/** The SMTP reply to a client whose command failed with `err`. */
export function replyFor(err: unknown): SmtpReply {
  const { smtp } = edgeOf(err);
  return { code: smtp.code as SmtpCode, enhanced: smtp.enhanced, text: smtp.text ?? (isMailroomError(err) ? err.message : 'Local error in processing') };
}

/** The POP3 -ERR line (RFC 2449 response code) for a command that failed with `err`. */
export function pop3ReplyFor(err: unknown): string {
  return edgeOf(err).pop3 === 'SYS/PERM' ? '-ERR [SYS/PERM] The command failed.' : '-ERR [SYS/TEMP] Internal error, try again later.';
}

export function formatReply(r: SmtpReply): string {
  return `${r.code} ${r.enhanced} ${r.text}`;
}

// The one translation table from an error to an SMTP reply (socket/listener edge).
// A client sees a generic reply; the detail goes to the log line.
import { isMailroomError } from './errors.js';

export type SmtpCode = 250 | 251 | 252 | 421 | 450 | 451 | 452 | 501 | 503 | 550 | 552 | 553 | 554;

export interface SmtpReply {
  code: SmtpCode;
  enhanced: string;
  text: string;
}

export function replyFor(err: unknown): SmtpReply {
  if (!isMailroomError(err)) return { code: 451, enhanced: '4.3.0', text: 'Local error in processing' };
  switch (err.code) {
    case 'SPOOL_FULL':
      return { code: 452, enhanced: '4.3.1', text: 'Insufficient system storage' };
    case 'MESSAGE_TOO_BIG':
      return { code: 552, enhanced: '5.3.4', text: 'Message size exceeds fixed maximum message size' };
  }
  switch (err.kind) {
    case 'data':
      return { code: 554, enhanced: '5.6.0', text: err.message };
    case 'usage':
      return { code: 501, enhanced: '5.5.4', text: err.message };
    case 'nouser':
      return { code: 550, enhanced: '5.1.1', text: err.message };
    default:
      return { code: 451, enhanced: '4.3.0', text: 'Local error in processing' };
  }
}

export function formatReply(r: SmtpReply): string {
  return `${r.code} ${r.enhanced} ${r.text}`;
}

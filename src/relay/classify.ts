// Decides, once, whether a relay failure is temporary (defer and retry) or
// permanent (bounce that recipient), and turns it into the reply kept as
// lastError: a server's reply keeps the server's words (code and enhanced
// status read from it as it arrives), any other failure is our text alone. Authentication and TLS failures are our side's problem: always
// temporary, so a bad password never bounces mail: the relay fails closed
// (nothing is sent without the configured TLS and AUTH) and retries later.
// Never includes credentials: nodemailer masks AUTH commands itself.
import { fromServer, type Reply } from '../shared/replies.js';

export interface Failure {
  temporary: boolean;
  reply: Reply;
}

interface NodemailerLikeError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  command?: string;
}

const oneLine = (s: string) => s.replace(/\s*\r?\n\s*/g, ' ').trim().slice(0, 400);

export function classifyError(err: unknown): Failure {
  const e = (err ?? {}) as NodemailerLikeError;
  const code = e.code ?? '';
  if (code === 'EAUTH') return { temporary: true, reply: { text: `authentication failed: ${oneLine(e.response ?? e.message ?? '')}` } };
  if (code === 'ETLS' || code === 'ESTARTTLS') return { temporary: true, reply: { text: `TLS required but not available: ${oneLine(e.response ?? e.message ?? '')}` } };
  if (code === 'ETIMEDOUT' || code === 'ECONNECTION' || code === 'ESOCKET' || code === 'EDNS' || code === 'ECONNREFUSED' || code === 'EPROTOCOL') {
    return { temporary: true, reply: e.response ? fromServer(oneLine(e.response)) : { text: oneLine(e.message ?? code) } };
  }
  if (typeof e.responseCode === 'number') {
    return { temporary: e.responseCode < 500, reply: fromServer(oneLine(e.response ?? `${e.responseCode} ${e.message ?? ''}`)) };
  }
  return { temporary: true, reply: { text: oneLine(e.message ?? String(err)) } };
}

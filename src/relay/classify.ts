// Decides, once, whether a relay failure is temporary (defer and retry) or
// permanent (bounce that recipient), and turns it into the reply text kept as
// lastError. Authentication and TLS failures are our side's problem: always
// temporary, so a bad password never bounces mail: the relay fails closed
// (nothing is sent without the configured TLS and AUTH) and retries later.
// Never includes credentials: nodemailer masks AUTH commands itself.

export interface Failure {
  temporary: boolean;
  reply: string;
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
  if (code === 'EAUTH') return { temporary: true, reply: `authentication failed: ${oneLine(e.response ?? e.message ?? '')}` };
  if (code === 'ETLS' || code === 'ESTARTTLS') return { temporary: true, reply: `TLS required but not available: ${oneLine(e.response ?? e.message ?? '')}` };
  if (code === 'ETIMEDOUT' || code === 'ECONNECTION' || code === 'ESOCKET' || code === 'EDNS' || code === 'ECONNREFUSED' || code === 'EPROTOCOL') {
    return { temporary: true, reply: oneLine(e.response ?? e.message ?? code) };
  }
  if (typeof e.responseCode === 'number') {
    return { temporary: e.responseCode < 500, reply: oneLine(e.response ?? `${e.responseCode} ${e.message ?? ''}`) };
  }
  return { temporary: true, reply: oneLine(e.message ?? String(err)) };
}

/** The RFC 3463 status in a reply ("550 5.1.1 ..." -> "5.1.1"), or a default by class. */
export function statusOf(reply: string, permanent: boolean): string {
  const m = /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})\b/.exec(reply);
  return m ? m[1]! : permanent ? '5.0.0' : '4.0.0';
}

// Socket submissions: C parallel SMTP clients over the local Unix socket share
// N messages; the clock runs from the first MAIL to the last "250 queued".
import { smallMessage } from './sandbox.js';
import { expect, SmtpClient } from './smtp-client.js';
import { since } from './stats.js';

export interface SocketResult {
  sent: number;
  wanted: number;
  clients: number;
  ms: number;
  capped: boolean;
}

const envelope = (i: number) => `MAIL FROM:<bench@bench.example>\r\nRCPT TO:<ops${i % 7}@example.net>\r\nDATA\r\n`;

/** The message as DATA: CRLF lines, no line starting with ".", and the final ".". */
function dataOf(i: number): string {
  return smallMessage(i).replace(/\n/g, '\r\n') + '.\r\n';
}

/**
 * Sends up to `total` messages over `clients` connections, each pipelining the
 * next envelope with the current message's data. `ready` runs once every
 * connection has been greeted and said EHLO (a clock may start there); `more`
 * is asked before each message (a time cap). Resolves to the messages that
 * got their 250.
 */
export async function submitPipelined(
  socketPath: string,
  total: number,
  clients: number,
  opts: { envelope: (i: number) => string; more: () => boolean; ready?: () => void; connect?: () => Promise<SmtpClient> },
): Promise<number> {
  // `connect` gives a connection already greeted (and past EHLO, STARTTLS, AUTH).
  const conns = await Promise.all(Array.from({ length: clients }, () => (opts.connect ? opts.connect() : SmtpClient.open(socketPath))));
  try {
    await Promise.all(
      conns.map(async (c) => {
        if (opts.connect) return;
        expect((await c.replies(1))[0]!, 220, 'greeting');
        c.write('EHLO bench.example\r\n');
        const [ehlo] = await c.replies(1);
        expect(ehlo!, 250, 'EHLO');
        if (!/PIPELINING/i.test(ehlo!.text)) throw new Error('the server does not offer PIPELINING');
      }),
    );
    opts.ready?.();
    let next = 0;
    let done = 0;
    const take = () => (next < total && opts.more() ? next++ : -1);
    await Promise.all(
      conns.map(async (c) => {
        let i = take();
        if (i < 0) return;
        c.write(opts.envelope(i));
        let [mail, rcpt, data] = await c.replies(3);
        for (;;) {
          expect(mail!, 250, 'MAIL');
          expect(rcpt!, 250, 'RCPT');
          expect(data!, 354, 'DATA');
          const j = take();
          // The content, its ".", and (pipelined) the next envelope in one write.
          c.write(j >= 0 ? dataOf(i) + opts.envelope(j) : dataOf(i));
          const r = await c.replies(j >= 0 ? 4 : 1);
          expect(r[0]!, 250, 'end of DATA');
          done++;
          if (j < 0) break;
          [, mail, rcpt, data] = r;
          i = j;
        }
      }),
    );
    return done;
  } finally {
    for (const c of conns) {
      c.write('QUIT\r\n');
      c.close();
    }
  }
}

export async function measureSocket(socketPath: string, total: number, clients: number, budgetMs: number): Promise<SocketResult> {
  let t0 = performance.now();
  const sent = await submitPipelined(socketPath, total, clients, {
    envelope,
    ready: () => (t0 = performance.now()),
    more: () => since(t0) < budgetMs,
  });
  return { sent, wanted: total, clients, ms: since(t0), capped: sent < total };
}

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

export async function measureSocket(socketPath: string, total: number, clients: number, budgetMs: number): Promise<SocketResult> {
  const conns = await Promise.all(Array.from({ length: clients }, () => SmtpClient.open(socketPath)));
  try {
    await Promise.all(
      conns.map(async (c) => {
        expect((await c.replies(1))[0]!, 220, 'greeting');
        c.write('EHLO bench.example\r\n');
        const [ehlo] = await c.replies(1);
        expect(ehlo!, 250, 'EHLO');
        if (!/PIPELINING/i.test(ehlo!.text)) throw new Error('the server does not offer PIPELINING');
      }),
    );
    let next = 0;
    let done = 0;
    const t0 = performance.now();
    const take = () => (next < total && since(t0) < budgetMs ? next++ : -1);
    await Promise.all(
      conns.map(async (c) => {
        let i = take();
        if (i < 0) return;
        c.write(envelope(i));
        let [mail, rcpt, data] = await c.replies(3);
        for (;;) {
          expect(mail!, 250, 'MAIL');
          expect(rcpt!, 250, 'RCPT');
          expect(data!, 354, 'DATA');
          const j = take();
          // The content, its ".", and (pipelined) the next envelope in one write.
          c.write(j >= 0 ? dataOf(i) + envelope(j) : dataOf(i));
          const r = await c.replies(j >= 0 ? 4 : 1);
          expect(r[0]!, 250, 'end of DATA');
          done++;
          if (j < 0) break;
          [, mail, rcpt, data] = r;
          i = j;
        }
      }),
    );
    const elapsed = since(t0);
    return { sent: done, wanted: total, clients, ms: elapsed, capped: done < total };
  } finally {
    for (const c of conns) {
      c.write('QUIT\r\n');
      c.close();
    }
  }
}

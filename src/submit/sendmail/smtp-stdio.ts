// sendmail -bs: a real SMTP (RFC 5321) session on standard input and output,
// as Symfony Mailer and Laravel expect; each accepted message goes through the
// same composition and maildrop path as `sendmail` itself. Extensions:
// PIPELINING, SIZE, 8BITMIME, SMTPUTF8, DSN (RFC 3461), ENHANCEDSTATUSCODES.
import type { SubmitView } from '../../config/submit-view.js';
import { isMailroomError } from '../../shared/errors.js';
import { formatReply, replyFor } from '../../shared/replies.js';
import { newQueueId } from '../../spool/queue-id.js';
import type { DsnNotify } from '../../spool/envelope.js';
import { composeSubmission } from '../compose.js';
import { dropMessage } from './drop.js';
import { parseNotify, type SendmailOptions } from './flags.js';
import { currentIdentity, gecosName, type Identity } from './identity.js';
import { loadSubmitView } from './load-view.js';
import { cleanRecipient, cleanSender, type Qualify } from '../sanitize.js';
import { unknownLocalRecipient } from '../../route/known-local.js';

interface Transaction {
  sender?: string;
  recipients: { address: string; notify?: DsnNotify[]; orcpt?: string }[];
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  body?: '7BIT' | '8BITMIME';
}

/** Splits "FROM:<a@b> SIZE=10 BODY=8BITMIME" into the path and its parameters. */
function pathAndParams(arg: string, keyword: string): { path: string; params: Map<string, string> } | undefined {
  const m = new RegExp(`^${keyword}:\\s*(<[^>]*>|\\S+)(.*)$`, 'i').exec(arg);
  if (!m) return undefined;
  const params = new Map<string, string>();
  for (const p of m[2]!.trim().split(/\s+/).filter(Boolean)) {
    const eq = p.indexOf('=');
    params.set((eq < 0 ? p : p.slice(0, eq)).toUpperCase(), eq < 0 ? '' : p.slice(eq + 1));
  }
  return { path: m[1]!, params };
}

function decodeXtext(s: string): string {
  return s.replace(/\+([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

class StdioSession {
  private tx: Transaction = { recipients: [] };
  private helo: string | undefined;
  private esmtp = false;
  private data: Buffer[] | null = null;

  /** The longest line we wait for: a command line, or a line of message data. */
  get maxLine(): number {
    return this.data ? this.view.maxMessageSize * 2 + 1024 : 4096;
  }
  private dataSize = 0;
  private out: string[] = [];

  constructor(
    private view: SubmitView,
    private identity: Identity,
  ) {}

  private qualify(): Qualify {
    return { hostname: this.view.hostname, masquerade: this.view.masquerade };
  }

  reply(line: string): void {
    this.out.push(line + '\r\n');
  }

  flush(): void {
    if (this.out.length) process.stdout.write(this.out.join(''));
    this.out = [];
  }

  /** Handles one input line (without its line ending); returns false after QUIT. */
  async line(raw: Buffer): Promise<boolean> {
    if (this.data) {
      if (raw.length === 1 && raw[0] === 0x2e) {
        await this.finishData();
        return true;
      }
      const l = raw[0] === 0x2e ? raw.subarray(1) : raw; // dot-unstuffing (RFC 5321 §4.5.2)
      this.dataSize += l.length + 2;
      if (this.dataSize <= this.view.maxMessageSize * 2) this.data.push(l);
      return true;
    }
    const text = raw.toString('utf8');
    const sp = text.indexOf(' ');
    const verb = (sp < 0 ? text : text.slice(0, sp)).toUpperCase();
    const arg = sp < 0 ? '' : text.slice(sp + 1).trim();
    switch (verb) {
      case 'EHLO':
      case 'HELO':
        if (!arg) return this.reply('501 5.5.4 Syntax: ' + verb + ' hostname'), true;
        // The name goes into our Received header: no controls (a bare CR would split the line), no spaces, sane length.
        if (!/^[\x21-\x7e]{1,255}$/.test(arg)) return this.reply('501 5.5.2 Bad ' + verb + ' hostname'), true;
        this.helo = arg;
        this.esmtp = verb === 'EHLO';
        this.tx = { recipients: [] };
        if (!this.esmtp) return this.reply(`250 ${this.view.hostname}`), true;
        for (const ext of [this.view.hostname, 'PIPELINING', `SIZE ${this.view.maxMessageSize}`, '8BITMIME', 'SMTPUTF8', 'DSN', 'ENHANCEDSTATUSCODES']) this.out.push(`250-${ext}\r\n`);
        this.reply('250 HELP');
        return true;
      case 'MAIL':
        return this.mail(arg), true;
      case 'RCPT':
        return this.rcpt(arg), true;
      case 'DATA':
        if (this.tx.sender === undefined) return this.reply('503 5.5.1 Error: need MAIL command'), true;
        if (this.tx.recipients.length === 0) return this.reply('554 5.5.1 Error: no valid recipients'), true;
        this.data = [];
        this.dataSize = 0;
        this.reply('354 End data with <CR><LF>.<CR><LF>');
        return true;
      case 'RSET':
        this.tx = { recipients: [] };
        return this.reply('250 2.0.0 Ok'), true;
      case 'NOOP':
        return this.reply('250 2.0.0 Ok'), true;
      case 'VRFY':
        return this.reply('252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery'), true;
      case 'HELP':
        return this.reply('214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY QUIT'), true;
      case 'QUIT':
        this.reply('221 2.0.0 Bye');
        return false;
      case 'STARTTLS':
      case 'AUTH':
        return this.reply('502 5.5.1 Error: command not implemented on a local pipe'), true;
      default:
        return this.reply('500 5.5.2 Error: command not recognized'), true;
    }
  }

  private mail(arg: string): void {
    if (this.tx.sender !== undefined) return this.reply('503 5.5.1 Error: nested MAIL command');
    const p = pathAndParams(arg, 'FROM');
    if (!p) return this.reply('501 5.5.4 Syntax: MAIL FROM:<address>');
    const tx: Transaction = { recipients: [] };
    for (const [k, v] of p.params) {
      if (k === 'SIZE') {
        if (!/^\d+$/.test(v)) return this.reply('501 5.5.4 Bad SIZE parameter');
        if (Number(v) > this.view.maxMessageSize) return this.reply('552 5.3.4 Message size exceeds fixed limit');
      } else if (k === 'BODY') {
        const b = v.toUpperCase();
        if (b !== '7BIT' && b !== '8BITMIME') return this.reply('501 5.5.4 Bad BODY parameter');
        tx.body = b;
      } else if (k === 'RET') {
        const r = v.toUpperCase();
        if (r !== 'FULL' && r !== 'HDRS') return this.reply('501 5.5.4 Bad RET parameter');
        tx.ret = r;
      } else if (k === 'ENVID') {
        tx.envid = decodeXtext(v);
      } else if (k !== 'SMTPUTF8') {
        return this.reply(`555 5.5.4 Unsupported option: ${k}`);
      }
    }
    // Checked here, not first at the end of DATA, so the client learns which
    // address is wrong (Postfix smtpd: 501 5.1.7 / 501 5.1.3).
    try {
      tx.sender = cleanSender(p.path, this.qualify());
    } catch {
      return this.reply('501 5.1.7 Bad sender address syntax');
    }
    this.tx = tx;
    this.reply('250 2.1.0 Ok');
  }

  private rcpt(arg: string): void {
    if (this.tx.sender === undefined) return this.reply('503 5.5.1 Error: need MAIL command');
    const p = pathAndParams(arg, 'TO');
    if (!p) return this.reply('501 5.5.4 Syntax: RCPT TO:<address>');
    let notify: DsnNotify[] | undefined;
    let orcpt: string | undefined;
    for (const [k, v] of p.params) {
      if (k === 'NOTIFY') {
        try {
          notify = parseNotify(v);
        } catch {
          return this.reply('501 5.5.4 Bad NOTIFY parameter');
        }
      } else if (k === 'ORCPT') {
        // RFC 3461 §4.2: addr-type ";" xtext; kept decoded, as the socket server keeps it.
        orcpt = decodeXtext(v);
        if (!/^[A-Za-z0-9-]+;[\x21-\x7e]{1,500}$/.test(orcpt)) return this.reply('501 5.5.4 Bad ORCPT parameter');
      } else return this.reply(`555 5.5.4 Unsupported option: ${k}`);
    }
    let address: string;
    try {
      address = cleanRecipient(p.path, this.qualify());
    } catch (err) {
      // 553: the mailbox name is not allowed (RFC 5321 §4.2.3); the reason names the address.
      return this.reply(`553 5.1.3 ${(err as Error).message}`);
    }
    // An unknown local name is refused now, per recipient, not at the end of DATA.
    if (unknownLocalRecipient(this.view, [address]) !== undefined) return this.reply(`550 5.1.1 <${address}>: Recipient address rejected: no such local user`);
    this.tx.recipients.push({ address, ...(notify ? { notify } : {}), ...(orcpt ? { orcpt } : {}) });
    this.reply('250 2.1.5 Ok');
  }

  private async finishData(): Promise<void> {
    const lines = this.data!;
    this.data = null;
    const tx = this.tx;
    this.tx = { recipients: [] };
    if (this.dataSize > this.view.maxMessageSize) return this.reply('552 5.3.4 Message size exceeds fixed maximum message size');
    const id = newQueueId();
    try {
      const composed = composeSubmission({
        view: this.view,
        id,
        identity: this.identity,
        sender: tx.sender,
        fullName: () => gecosName(this.identity.user),
        recipients: tx.recipients.map((r) => r.address),
        extractRecipients: false,
        ret: tx.ret,
        envid: tx.envid,
        body: tx.body,
        protocol: this.esmtp ? 'ESMTP' : 'SMTP',
        helo: this.helo,
        input: Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\r\n')])),
      });
      // NOTIFY and ORCPT belong to each RCPT (RFC 3461 §4); matched by address,
      // since repeated recipients are merged (the first one's parameters are kept).
      const dsnOf = new Map<string, { notify?: DsnNotify[]; orcpt?: string }>();
      for (const r of tx.recipients) if (!dsnOf.has(r.address.toLowerCase())) dsnOf.set(r.address.toLowerCase(), r);
      for (const r of composed.drop.recipients) {
        const p = dsnOf.get(r.address.toLowerCase());
        if (p?.notify) r.notify = p.notify;
        if (p?.orcpt) r.orcpt = p.orcpt;
      }
      await dropMessage(this.view, id, composed);
      this.reply(`250 2.0.0 Ok: queued as ${id}`);
    } catch (err) {
      if (!isMailroomError(err)) process.stderr.write(`sendmail: ${(err as Error).message}\n`);
      this.reply(formatReply(replyFor(err)));
    }
  }
}

export async function runSmtpOnStdio(o: SendmailOptions): Promise<number> {
  const view = await loadSubmitView(o.config);
  const session = new StdioSession(view, currentIdentity());
  session.reply(`220 ${view.hostname} ESMTP mailroom`);
  session.flush();
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let nl: number;
    while ((nl = pending.indexOf(0x0a)) >= 0) {
      const end = nl > 0 && pending[nl - 1] === 0x0d ? nl - 1 : nl;
      const line = pending.subarray(0, end);
      pending = pending.subarray(nl + 1);
      if (!(await session.line(line))) {
        session.flush();
        return 0;
      }
    }
    if (pending.length > session.maxLine) {
      // A line that never ends would otherwise grow without bound.
      session.reply('421 4.7.0 Line too long, closing the session');
      session.flush();
      return 0;
    }
    session.flush(); // answer a pipelined group at once
  }
  session.flush();
  return 0;
}

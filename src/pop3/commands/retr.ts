// RETR msg (RFC 1939 §5): the whole message, dot-stuffed; marks it seen at QUIT.
import { parseNumber, type Pop3Command } from '../command.js';
import { sendMessage } from '../send-message.js';

export const retr: Pop3Command = {
  verb: 'RETR',
  states: ['TRANSACTION'],
  async run(s, args) {
    const n = parseNumber(args[0]);
    const m = args.length === 1 ? s.message(n) : undefined;
    if (!m) return void s.send('-ERR No such message.');
    if (!(await sendMessage(s, m))) return void s.send('-ERR Message was removed by another session.');
    s.retrieved.add(n!);
  },
};

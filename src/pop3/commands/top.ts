// TOP msg n (RFC 1939 §7): the header, the blank line and n body lines.
import { parseNumber, type Pop3Command } from '../command.js';
import { sendMessage } from '../send-message.js';

export const top: Pop3Command = {
  verb: 'TOP',
  states: ['TRANSACTION'],
  async run(s, args) {
    const m = args.length === 2 ? s.message(parseNumber(args[0])) : undefined;
    const lines = args[1] !== undefined && /^\d{1,9}$/.test(args[1]) ? Number(args[1]) : undefined;
    if (!m) return void s.send('-ERR No such message.');
    if (lines === undefined) return void s.send('-ERR Usage: TOP msg lines');
    if (!(await sendMessage(s, m, lines))) s.send('-ERR Message was removed by another session.');
  },
};

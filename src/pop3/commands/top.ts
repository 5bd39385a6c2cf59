// TOP msg n (RFC 1939 §7): the header, the blank line and n body lines.
import { messageArg, type Pop3Command } from '../command.js';
import { sendMessage } from '../send-message.js';

export const top: Pop3Command = {
  verb: 'TOP',
  states: ['TRANSACTION'],
  args: [2, 2],
  async run(s, args) {
    if (!/^\d{1,9}$/.test(args[1]!)) return void s.badCommand('-ERR Invalid line count.');
    const m = messageArg(s, args[0]);
    if (!m) return;
    if (!(await sendMessage(s, m.entry, Number(args[1])))) s.send('-ERR Message was removed by another session.');
  },
};

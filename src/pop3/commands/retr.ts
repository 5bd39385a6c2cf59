// RETR msg (RFC 1939 §5): the whole message, dot-stuffed; marks it seen at QUIT.
import { messageArg, type Pop3Command } from '../command.js';
import { sendMessage } from '../send-message.js';

export const retr: Pop3Command = {
  verb: 'RETR',
  states: ['TRANSACTION'],
  args: [1, 1],
  async run(s, args) {
    const m = messageArg(s, args[0]);
    if (!m) return;
    if (!(await sendMessage(s, m.entry))) return void s.send('-ERR Message was removed by another session.');
    s.retrieved.add(m.n);
  },
};

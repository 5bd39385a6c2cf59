// ENABLE (RFC 5161): CONDSTORE, and QRESYNC which implies it (RFC 7162 §3.2.3).
// Unknown capabilities are ignored; only what was newly enabled is listed.
import { AUTHED, type ImapHandler } from './handler.js';

const KNOWN = ['CONDSTORE', 'QRESYNC'];

export const enable: ImapHandler<'ENABLE'> = {
  states: AUTHED,
  async run(s, cmd) {
    const now: string[] = [];
    for (const cap of cmd.capabilities) {
      if (!KNOWN.includes(cap)) continue;
      for (const c of cap === 'QRESYNC' ? ['CONDSTORE', 'QRESYNC'] : [cap]) {
        if (s.enabled.has(c)) continue;
        s.enabled.add(c);
        if (cmd.capabilities.includes(c)) now.push(c);
      }
    }
    s.send(`* ENABLED${now.map((c) => ` ${c}`).join('')}`);
    return { status: 'OK', text: 'ENABLE completed' };
  },
};

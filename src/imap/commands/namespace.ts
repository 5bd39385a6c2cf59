// NAMESPACE (RFC 2342): one personal namespace, prefix "" and separator ".";
// no other users' or shared namespaces.
import { AUTHED, type ImapHandler } from './handler.js';

export const namespace: ImapHandler<'NAMESPACE'> = {
  states: AUTHED,
  async run(s) {
    s.send('* NAMESPACE (("" ".")) NIL NIL');
    return { status: 'OK', text: 'NAMESPACE completed' };
  },
};

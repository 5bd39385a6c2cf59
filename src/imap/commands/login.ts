// LOGIN (RFC 3501 §6.2.3): refused before TLS except on loopback (the
// LOGINDISABLED capability says so).
import { login as loginUser } from '../login.js';
import { UNAUTHED, type ImapHandler } from './handler.js';

export const login: ImapHandler<'LOGIN'> = {
  states: UNAUTHED,
  run: (s, cmd) => loginUser(s, cmd.user, cmd.password),
};

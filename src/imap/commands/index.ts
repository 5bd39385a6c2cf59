// Command name -> handler: one file per command (the directory listing is the
// list of supported commands). The message commands (FETCH, STORE, SEARCH,
// COPY, MOVE, EXPUNGE, APPEND) are executors with the narrower
// CommandContext of types.ts; they are wrapped here with their states.
import type { CommandName, Completion, Executor } from '../types.js';
import type { ImapSession } from '../session-api.js';
import { runAppend } from './append.js';
import { authenticate } from './authenticate.js';
import { capability } from './capability.js';
import { check } from './check.js';
import { close } from './close.js';
import { runCopy } from './copy.js';
import { enable } from './enable.js';
import { runExpunge } from './expunge.js';
import { runFetch } from './fetch.js';
import { AUTHED, SELECTED, type CommandOf, type ImapHandler } from './handler.js';
import { id } from './id.js';
import { idle } from './idle.js';
import { list } from './list.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { create, del, rename } from './mailbox.js';
import { runMove } from './move.js';
import { namespace } from './namespace.js';
import { noop } from './noop.js';
import { runSearch } from './search.js';
import { select } from './select.js';
import { starttls } from './starttls.js';
import { status } from './status.js';
import { runStore } from './store.js';
import { subscribe } from './subscribe.js';
import { unselect } from './unselect.js';

function executor<N extends CommandName>(states: ImapHandler<N>['states'], run: Executor<N>): ImapHandler<N> {
  return {
    states,
    run: (s: ImapSession, cmd: CommandOf<N>): Promise<Completion> => run(s, cmd as never),
  };
}

type AnyHandler = ImapHandler<any>;

export const HANDLERS: ReadonlyMap<CommandName, AnyHandler> = new Map<CommandName, AnyHandler>([
  ['CAPABILITY', capability],
  ['NOOP', noop],
  ['LOGOUT', logout],
  ['STARTTLS', starttls],
  ['AUTHENTICATE', authenticate],
  ['LOGIN', login],
  ['ENABLE', enable],
  ['ID', id],
  ['NAMESPACE', namespace],
  ['SELECT', select],
  ['EXAMINE', select],
  ['CREATE', create],
  ['DELETE', del],
  ['RENAME', rename],
  ['SUBSCRIBE', subscribe],
  ['UNSUBSCRIBE', subscribe],
  ['LIST', list],
  ['LSUB', list],
  ['STATUS', status],
  ['IDLE', idle],
  ['CHECK', check],
  ['CLOSE', close],
  ['UNSELECT', unselect],
  ['APPEND', executor(AUTHED, runAppend)],
  ['FETCH', executor(SELECTED, runFetch)],
  ['STORE', executor(SELECTED, runStore)],
  ['SEARCH', executor(SELECTED, runSearch)],
  ['COPY', executor(SELECTED, runCopy)],
  ['MOVE', executor(SELECTED, runMove)],
  ['EXPUNGE', executor(SELECTED, runExpunge)],
]);

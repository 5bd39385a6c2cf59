// From a command as read (line fragments and literals) to the typed Command
// of types.ts: `tag SP command` (RFC 3501 §9). Every problem is a ParseError
// whose text the session sends as `tag BAD ...` (or `* BAD` without a tag).
import type { Command } from '../types.js';
import { atSequenceSet, flag, flagList, mailbox, sequenceSet } from './args.js';
import type { RawCommand } from './assemble.js';
import { Cursor, ParseError } from './cursor.js';
import { fetchAtts, fetchModifiers } from './fetch-atts.js';
import { appendArgs, listArgs, selectArgs, statusArgs } from './mailbox-args.js';
import { searchArgs } from './search-keys.js';

export type Parsed = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly tag: string; readonly error: ParseError };

const NO_ARGS = new Set(['CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'CHECK', 'CLOSE', 'UNSELECT', 'NAMESPACE', 'IDLE']);
const UID_COMMANDS = new Set(['FETCH', 'STORE', 'SEARCH', 'COPY', 'MOVE', 'EXPUNGE']);
const TAG_EXTRA = ']';

type Body = Record<string, unknown> & { name: Command['name'] };

function idParams(c: Cursor): Record<string, string | null> | null {
  if (c.peek() !== '(' && c.accept('NIL')) return null;
  const params: Record<string, string | null> = {};
  let n = 0;
  c.list(() => {
    const k = c.string('an ID field');
    c.sp();
    const v = c.nstring('an ID value');
    if (++n > 30) throw new ParseError('Too many ID fields');
    params[k.slice(0, 30)] = v === null ? null : v.slice(0, 1024);
  });
  return params;
}

function storeArgs(c: Cursor): Body {
  const set = sequenceSet(c);
  c.sp();
  let unchangedSince: number | undefined;
  if (c.peek() === '(') {
    c.list(() => {
      c.expect('UNCHANGEDSINCE', 'UNCHANGEDSINCE');
      c.sp();
      unchangedSince = c.modseq();
    }, false);
    c.sp();
  }
  const item = c.atom('+FLAGS, -FLAGS or FLAGS', '', '').toUpperCase();
  const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item);
  if (!m) throw new ParseError(`Bad STORE item ${item}`);
  c.sp();
  let flags: string[];
  if (c.peek() === '(') flags = flagList(c);
  else {
    flags = [flag(c)];
    while (c.accept(' ')) flags.push(flag(c));
  }
  return { name: 'STORE', set, op: m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'replace', silent: !!m[2], flags, unchangedSince };
}

function args(c: Cursor, verb: string, uid: boolean): Body {
  const sp = () => c.sp();
  switch (verb) {
    case 'LOGIN': {
      sp();
      const user = c.astring('a user name');
      sp();
      return { name: 'LOGIN', user, password: c.astring('a password') };
    }
    case 'AUTHENTICATE': {
      sp();
      const mechanism = c.atom('a mechanism').toUpperCase();
      const initial = c.accept(' ') ? c.atom('an initial response', '', '') : undefined;
      return { name: 'AUTHENTICATE', mechanism, initial };
    }
    case 'ENABLE': {
      const capabilities: string[] = [];
      while (c.accept(' ')) capabilities.push(c.atom('a capability').toUpperCase());
      if (capabilities.length === 0) throw new ParseError('ENABLE needs a capability');
      return { name: 'ENABLE', capabilities };
    }
    case 'ID':
      sp();
      return { name: 'ID', params: idParams(c) };
    case 'SELECT':
    case 'EXAMINE':
      sp();
      return { name: verb, ...selectArgs(c) };
    case 'CREATE':
    case 'DELETE':
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
      sp();
      return { name: verb, mailbox: mailbox(c) };
    case 'RENAME': {
      sp();
      const from = mailbox(c);
      sp();
      return { name: 'RENAME', from, to: mailbox(c) };
    }
    case 'LIST':
    case 'LSUB':
      sp();
      return { name: verb, ...listArgs(c, verb === 'LSUB') };
    case 'STATUS':
      sp();
      return { name: 'STATUS', ...statusArgs(c) };
    case 'APPEND':
      sp();
      return { name: 'APPEND', ...appendArgs(c) };
    case 'EXPUNGE':
      if (!uid) return { name: 'EXPUNGE', uid };
      sp();
      return { name: 'EXPUNGE', uid, set: sequenceSet(c) };
    case 'SEARCH':
      sp();
      return { name: 'SEARCH', uid, ...searchArgs(c) };
    case 'FETCH': {
      sp();
      const set = sequenceSet(c);
      sp();
      const atts = fetchAtts(c);
      const mods = fetchModifiers(c);
      if (mods.vanished && !uid) throw new ParseError('VANISHED is only allowed with UID FETCH');
      return { name: 'FETCH', uid, set, atts, ...mods };
    }
    case 'STORE':
      sp();
      return { uid, ...storeArgs(c) };
    case 'COPY':
    case 'MOVE': {
      sp();
      if (!atSequenceSet(c)) throw new ParseError('Expected a sequence set');
      const set = sequenceSet(c);
      sp();
      return { name: verb, uid, set, mailbox: mailbox(c) };
    }
  }
  throw new ParseError(`Unknown command ${verb}`);
}

/** Parses one command. */
export function parseCommand(raw: RawCommand): Parsed {
  const c = new Cursor(raw);
  let tag = '*';
  try {
    if (c.peek() === '+' || c.peek() === '*') throw new ParseError('Expected a tag');
    tag = c.atom('a tag', TAG_EXTRA);
    c.sp();
    let verb = c.atom('a command').toUpperCase();
    let uid = false;
    if (verb === 'UID') {
      c.sp();
      verb = c.atom('a command').toUpperCase();
      if (!UID_COMMANDS.has(verb)) throw new ParseError(`UID ${verb} is not a command`);
      uid = true;
    }
    const body: Body = NO_ARGS.has(verb) ? { name: verb as Command['name'] } : args(c, verb, uid);
    c.end();
    return { ok: true, command: { tag, ...body } as Command };
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    return { ok: false, tag, error: err };
  }
}

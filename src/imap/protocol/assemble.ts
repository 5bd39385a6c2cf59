// One whole command from the reader: its line fragments and the literals
// between them (RFC 3501 §7.5 synchronising `{n}`, answered with a
// continuation; RFC 7888 non-synchronising `{n+}`). A literal's size is
// checked before a byte of it is read: APPEND may carry a message up to the
// configured maximum, any other literal 64 KiB (RFC 7888 §4 [TOOBIG]).
import type { CommandReader } from './reader.js';

/** A command as read: `lines.length === literals.length + 1`; each line but the last ends in `{n}` or `{n+}`. */
export interface RawCommand {
  readonly lines: readonly Buffer[];
  readonly literals: readonly Buffer[];
}

export type Assembled =
  | { readonly kind: 'command'; readonly raw: RawCommand }
  /** Answer `tag BAD|NO text` and go on with the next command. */
  | { readonly kind: 'refused'; readonly tag: string; readonly status: 'BAD' | 'NO'; readonly text: string }
  /** Answer `* BYE text` (or a tagged BAD) and close: the input can no longer be followed. */
  | { readonly kind: 'fatal'; readonly tag: string; readonly text: string };

/** Literal of a command other than APPEND. */
export const LITERAL_MAX = 64 * 1024;
/** Literals in one command (a LOGIN has two, an APPEND one). */
const LITERALS_MAX = 64;

const LITERAL_AT_END = /\{(\d{1,20})(\+?)\}$/;
const TAG = /^[\x21\x23\x24\x26\x27\x2c-\x5b\x5e-\x7a\x7c\x7e]+$/; // astring chars but '+'

/** The tag of a line when it has a valid one, else '*'. */
export function tagOf(line: Buffer): string {
  const s = line.toString('latin1');
  const sp = s.indexOf(' ');
  const tag = sp < 0 ? s : s.slice(0, sp);
  return TAG.test(tag) ? tag : '*';
}

/** True when the command starts `tag APPEND ` (its literal is a message). */
function isAppend(first: Buffer): boolean {
  return /^\S+ APPEND /i.test(first.subarray(0, 80).toString('latin1'));
}

export interface AssembleOptions {
  /** The largest APPEND literal (the configured maximum message size). */
  readonly appendMax: number;
  /** Sends a continuation request. */
  continueLiteral(): void;
}

/** Reads the next command; undefined when the connection is gone. */
export async function readCommand(reader: CommandReader, opts: AssembleOptions): Promise<Assembled | undefined> {
  const lines: Buffer[] = [];
  const literals: Buffer[] = [];
  let total = 0;
  for (;;) {
    const r = await reader.nextLine();
    if (!r) return undefined;
    const tag = lines.length > 0 ? tagOf(lines[0]!) : r.kind === 'line' ? tagOf(r.bytes) : r.kind === 'too-long' ? tagOf(r.head) : '*';
    if (r.kind === 'overflow') return { kind: 'fatal', tag: '*', text: 'Line too long' };
    if (r.kind === 'too-long') return { kind: 'refused', tag, status: 'BAD', text: 'Line too long' };
    lines.push(r.bytes);
    const m = LITERAL_AT_END.exec(r.bytes.subarray(Math.max(0, r.bytes.length - 25)).toString('latin1'));
    if (!m) return { kind: 'command', raw: { lines, literals } };
    const n = Number(m[1]);
    const plus = m[2] === '+';
    const max = isAppend(lines[0]!) ? opts.appendMax : LITERAL_MAX;
    total += n;
    if (literals.length >= LITERALS_MAX) return plus ? { kind: 'fatal', tag, text: 'Too many literals' } : { kind: 'refused', tag, status: 'BAD', text: 'Too many literals' };
    if (n > max || total > opts.appendMax + LITERAL_MAX) {
      // The data of {n+} follows whether we want it or not: we cannot stay in step.
      if (plus) return { kind: 'fatal', tag, text: '[TOOBIG] Literal too big' };
      return { kind: 'refused', tag, status: isAppend(lines[0]!) ? 'NO' : 'BAD', text: `[TOOBIG] Literal too big (at most ${max} octets)` };
    }
    if (!plus) opts.continueLiteral();
    const data = await reader.nextLiteral(n);
    if (!data) return undefined;
    literals.push(data);
  }
}

// One line per event, queue id first, key=value fields (Postfix mail.log shape),
// written to stderr for journald. Never log message bodies or credentials.
import { fstatSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  event(id: string, name: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  debug(msg: string, fields?: Fields): void;
}

function quote(v: string): string {
  return /^[^\s"=]*$/.test(v) && v !== '' ? v : JSON.stringify(v);
}

export function formatFields(fields: Fields | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === null) continue;
    out += ` ${k}=${quote(String(v))}`;
  }
  return out;
}

/**
 * Writes log lines to stderr, gathering the lines of one event-loop turn into
 * one write (stderr to a pipe or journald is a synchronous write(2) per call;
 * under load the daemon logs several lines per message). Pending lines are
 * written before the process exits.
 */
function bufferedStderr(): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    process.stderr.write(text);
  };
  process.on('exit', flush);
  return (line) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
}

/** syslog priorities of the levels, for journald's `<N>` line prefix (sd-daemon(3)). */
const priority: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };

/**
 * True when stderr is journald's stream (systemd sets JOURNAL_STREAM to its
 * device:inode): the journal adds time and process itself, and reads the
 * priority from a `<N>` prefix.
 */
export function underJournald(env: NodeJS.ProcessEnv = process.env): boolean {
  const js = env.JOURNAL_STREAM;
  if (!js) return false;
  try {
    const st = fstatSync(2);
    return js === `${st.dev}:${st.ino}`;
  } catch {
    return false;
  }
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = bufferedStderr(), journald = underJournald()): Logger {
  const min = order[level];
  const emit = (lv: LogLevel, text: string) => {
    if (order[lv] < min) return;
    const label = lv === 'info' ? '' : `${lv}: `;
    write(journald ? `<${priority[lv]}>${label}${text}\n` : `${new Date().toISOString()} mailroom[${process.pid}]: ${label}${text}\n`);
  };
  return {
    event: (id, name, fields) => emit('info', `${id}: ${name}${formatFields(fields)}`),
    info: (msg, fields) => emit('info', msg + formatFields(fields)),
    warn: (msg, fields) => emit('warn', msg + formatFields(fields)),
    error: (msg, fields) => emit('error', msg + formatFields(fields)),
    debug: (msg, fields) => emit('debug', msg + formatFields(fields)),
  };
}

// One line per event, queue id first, key=value fields (Postfix mail.log shape),
// written to stderr for journald. Never log message bodies or credentials.
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

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = order[level];
  const emit = (lv: LogLevel, text: string) => {
    if (order[lv] < min) return;
    write(`${new Date().toISOString()} mailroom[${process.pid}]: ${lv === 'info' ? '' : `${lv}: `}${text}\n`);
  };
  return {
    event: (id, name, fields) => emit('info', `${id}: ${name}${formatFields(fields)}`),
    info: (msg, fields) => emit('info', msg + formatFields(fields)),
    warn: (msg, fields) => emit('warn', msg + formatFields(fields)),
    error: (msg, fields) => emit('error', msg + formatFields(fields)),
    debug: (msg, fields) => emit('debug', msg + formatFields(fields)),
  };
}

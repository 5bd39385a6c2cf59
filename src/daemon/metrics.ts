// The Prometheus endpoint (metrics.listen, loopback by default): GET /metrics
// answers the daemon's figures in the text exposition format 0.0.4, the same
// ones `mailroom status` prints. Nothing else is served; a request head over
// 8 KiB is refused (431) and an idle or slow connection is closed.
import { takeListener } from '../shared/listeners.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIGURE_STATES, readQueueFigures, type QueueFigures } from '../admin/queue-figures.js';
import { parseHostPort } from '../pop3/server.js';
import { MailroomError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { SpoolPaths } from '../spool/paths.js';
import { DELIVERY_RESULTS, type DaemonStatus } from './stats.js';

/** Longest request head (request line and header fields) read before answering 431. */
export const MAX_REQUEST_HEAD = 8192;
/** A connection that sends nothing for this long is closed; so is a request head not complete by then. */
const IDLE_MS = 10_000;
const MAX_CONNECTIONS = 32;

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The exposition text of the daemon's status and, when it could be read, the queue's figures. */
export function renderMetrics(s: DaemonStatus, q: QueueFigures | undefined, now = Date.now()): string {
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${labels} ${value}`);
  };
  metric('mailroom_up', 'gauge', 'Whether the mailroom daemon is running (1 whenever it answers).', [['', 1]]);
  metric('mailroom_info', 'gauge', 'The running daemon, labelled with its version.', [[`{version="${escapeLabel(s.version)}"}`, 1]]);
  metric('process_start_time_seconds', 'gauge', 'Start time of the daemon since the Unix epoch in seconds.', [['', Date.parse(s.startedAt) / 1000]]);
  if (q) {
    metric('mailroom_queue_messages', 'gauge', 'Messages in each spool directory (corrupt: damaged envelopes and refused drop files).', FIGURE_STATES.map((st) => [`{state="${st}"}`, q.counts[st]]));
    metric('mailroom_queue_oldest_seconds', 'gauge', 'Age of the oldest message waiting for delivery (maildrop, incoming, deferred); 0 when none waits.', [['', q.oldest ? Math.max(0, Math.round((now - q.oldest.createdAt) / 1000)) : 0]]);
  }
  metric('mailroom_deliveries_total', 'counter', 'Recipient delivery attempts since the daemon started, by result.', DELIVERY_RESULTS.map((r) => [`{result="${r}"}`, s.total[r]]));
  metric('mailroom_deliveries_last_hour', 'gauge', 'Recipient delivery attempts in the last 60 minutes (to the minute), by result.', DELIVERY_RESULTS.map((r) => [`{result="${r}"}`, s.lastHour[r]]));
  metric('mailroom_last_error_timestamp_seconds', 'gauge', 'When the last attempt that did not deliver was made, since the Unix epoch; 0 when none since start.', [['', s.lastError ? Date.parse(s.lastError.at) / 1000 : 0]]);
  return out.join('\n') + '\n';
}

export interface MetricsServer {
  address: AddressInfo;
  close(): Promise<void>;
}

export async function startMetrics(listen: string, source: { status(): DaemonStatus; paths: SpoolPaths }, log: Logger): Promise<MetricsServer> {
  const answer = (res: ServerResponse, code: number, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    res.end(text + '\n');
  };
  const server: Server = createServer({ maxHeaderSize: MAX_REQUEST_HEAD, headersTimeout: IDLE_MS, requestTimeout: IDLE_MS, keepAliveTimeout: 5_000 }, (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return answer(res, 404, 'not found; the metrics are at /metrics');
    if (req.method !== 'GET') return answer(res, 405, 'only GET', { Allow: 'GET' });
    readQueueFigures(source.paths)
      .catch((err) => {
        log.warn('metrics: cannot read the queue', { error: (err as Error).message });
        return undefined;
      })
      .then((q) => {
        res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE });
        res.end(renderMetrics(source.status(), q));
      })
      .catch(() => res.destroy());
  });
  server.timeout = IDLE_MS;
  server.maxConnections = MAX_CONNECTIONS;
  server.on('clientError', (err: NodeJS.ErrnoException, sock) => {
    // Node's own answer for a head over maxHeaderSize; anything else malformed gets 400.
    if (!sock.writable) return sock.destroy();
    const code = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    sock.end(`HTTP/1.1 ${code}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  const { host, port } = parseHostPort(listen);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        server.off('error', reject);
        resolve();
      };
      const bound = takeListener(listen); // a port below 1024 bound by the root process
      if (bound) server.listen(bound, done);
      else server.listen(port, host, done);
    });
  } catch (err) {
    throw new MailroomError('LISTEN_FAILED', `metrics: cannot listen on ${listen}: ${(err as Error).message}`, { cause: err });
  }
  const address = server.address() as AddressInfo;
  log.info('metrics listening', { listen: `${address.address}:${address.port}` });
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

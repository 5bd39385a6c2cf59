// The verdict of `mailroom status`: the daemon's answer, the queue's figures
// and the smart host checks weighed against the thresholds, in the
// monitoring-plugin convention (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) with a
// one-line summary and performance data a Nagios-style check can graph.
import type { DaemonStatus } from '../shared/control.js';
import { formatDuration } from '../shared/units.js';
import type { QueueFigures } from './queue-figures.js';

export const HEALTH = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type HealthCode = (typeof HEALTH)[keyof typeof HEALTH];
export const HEALTH_LABELS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export interface Thresholds {
  /** Age of the oldest waiting message, in ms. */
  warnAge: number;
  critAge: number;
  /** Messages waiting for delivery (maildrop + incoming + deferred). */
  warnQueue: number;
  critQueue: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warnAge: 3_600_000, critAge: 4 * 3_600_000, warnQueue: 100, critQueue: 1000 };

export type DaemonState = { state: 'running'; status: DaemonStatus | null } | { state: 'down' } | { state: 'not answering' };

export interface HostCheck {
  host: string;
  port: number;
  ok: boolean;
  detail: string;
}

export interface Verdict {
  code: HealthCode;
  problems: string[];
  /** The first line of the plain output. */
  summary: string;
}

/** A threshold as written on the command line: 1h, 90m, 45s. */
function exactly(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** Messages that wait for delivery: what the queue thresholds count. */
export const waitingOf = (q: QueueFigures) => q.counts.maildrop + q.counts.incoming + q.counts.deferred;

export function judge(daemon: DaemonState, q: QueueFigures, hosts: HostCheck[] | undefined, t: Thresholds, now = Date.now()): Verdict {
  let code: HealthCode = HEALTH.OK;
  const problems: string[] = [];
  const flag = (c: HealthCode, what: string) => {
    if (c > code) code = c;
    problems.push(what);
  };
  if (daemon.state === 'down') flag(HEALTH.CRITICAL, 'daemon not running');
  if (daemon.state === 'not answering') flag(HEALTH.CRITICAL, 'daemon not answering on its control socket');
  const age = q.oldest ? Math.max(0, now - q.oldest.createdAt) : 0;
  if (q.oldest && age >= t.critAge) flag(HEALTH.CRITICAL, `oldest message waiting ${formatDuration(age)} (critical at ${exactly(t.critAge)})`);
  else if (q.oldest && age >= t.warnAge) flag(HEALTH.WARNING, `oldest message waiting ${formatDuration(age)} (warning at ${exactly(t.warnAge)})`);
  const waiting = waitingOf(q);
  if (waiting >= t.critQueue) flag(HEALTH.CRITICAL, `${waiting} messages waiting (critical at ${t.critQueue})`);
  else if (waiting >= t.warnQueue) flag(HEALTH.WARNING, `${waiting} messages waiting (warning at ${t.warnQueue})`);
  if (q.counts.corrupt > 0) flag(HEALTH.WARNING, `${q.counts.corrupt} in corrupt/ (look, then remove by hand)`);
  if (hosts?.length) {
    const failed = hosts.filter((h) => !h.ok);
    // No smart host answering means no mail leaves; one of several down only
    // means the others carry it.
    if (failed.length === hosts.length) flag(HEALTH.CRITICAL, `no smart host reachable (${failed.map((h) => `${h.host}:${h.port}`).join(', ')})`);
    else if (failed.length) flag(HEALTH.WARNING, `smart host unreachable: ${failed.map((h) => `${h.host}:${h.port}`).join(', ')}`);
  }
  const hour = daemon.state === 'running' ? daemon.status?.lastHour : undefined;
  const facts = [
    daemon.state === 'running' ? `daemon running${daemon.status ? ` (pid ${daemon.status.pid})` : ''}` : undefined,
    `${waiting} waiting, ${q.counts.hold} held, oldest ${q.oldest ? formatDuration(age) : '-'}`,
    hour ? `last hour ${hour.delivered} delivered, ${hour.deferred} deferred, ${hour.failed} failed` : undefined,
  ].filter(Boolean);
  const perf = [
    `waiting=${waiting};${t.warnQueue};${t.critQueue};0`,
    `oldest=${Math.round(age / 1000)}s;${Math.round(t.warnAge / 1000)};${Math.round(t.critAge / 1000)};0`,
    `hold=${q.counts.hold};;;0`,
    `corrupt=${q.counts.corrupt};;;0`,
    ...(hour ? [`delivered_1h=${hour.delivered};;;0`, `deferred_1h=${hour.deferred};;;0`, `failed_1h=${hour.failed};;;0`] : []),
  ];
  const summary = `MAILROOM ${HEALTH_LABELS[code]} - ${[...problems, ...facts].join('; ')} | ${perf.join(' ')}`;
  return { code, problems, summary };
}

/** The first line when the check cannot look at all (config or spool unreadable). */
export function unknownSummary(why: string): string {
  return `MAILROOM UNKNOWN - ${why}`;
}

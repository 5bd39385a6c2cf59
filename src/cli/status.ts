// mailroom status [--json] [--connect]: is the daemon up, how long is the
// queue and how old its oldest message, what happened in the last hour, and
// (--connect) do the smart hosts answer. Exits as a monitoring check does:
// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (config or spool unreadable).
import type { CommandModule } from 'yargs';
import { DEFAULT_THRESHOLDS, HEALTH, HEALTH_LABELS, judge, unknownSummary, waitingOf, type DaemonState, type HostCheck, type Thresholds } from '../admin/health.js';
import { readQueueFigures, type QueueFigures } from '../admin/queue-figures.js';
import { loadConfig, type Config } from '../config/load.js';
import type { DaemonStatus } from '../shared/control.js';
import { probeTarget } from '../relay/probe.js';
import { toTarget } from '../relay/targets.js';
import { askDaemon, controlSocketPath } from '../shared/control.js';
import { formatDuration, parseDuration } from '../shared/units.js';
import { spoolPaths } from '../spool/paths.js';

type Args = { config?: string; json?: boolean; connect?: boolean; 'warn-age'?: string; 'crit-age'?: string; 'warn-queue'?: number; 'crit-queue'?: number; 'connect-timeout'?: string };

/** How long `status` waits for the daemon's answer. */
const ASK_MS = 3000;

async function askStatus(config: Config): Promise<DaemonState> {
  const r = await askDaemon(controlSocketPath(config.socket.path), 'status', ASK_MS);
  if (r.kind === 'absent') return { state: 'down' };
  if (r.kind === 'timeout') return { state: 'not answering' };
  try {
    return { state: 'running', status: JSON.parse(r.text) as DaemonStatus };
  } catch {
    return { state: 'running', status: null }; // a daemon from before the "status" command
  }
}

/** Every configured smart host once (relay.smarthosts, then each route's), checked at once. */
async function checkHosts(config: Config, timeoutMs: number): Promise<HostCheck[]> {
  const seen = new Set<string>();
  const hosts = [...config.relay.smarthosts, ...config.relay.routes.flatMap((r) => r.smarthosts)].filter((h) => {
    const key = `${h.host}:${h.port}`;
    return !seen.has(key) && seen.add(key);
  });
  const cap = (ms: number) => Math.min(ms, timeoutMs);
  const t = config.relay.timeouts;
  const timeouts = { connect: cap(t.connect), greeting: cap(t.greeting), command: cap(t.command), data: cap(t.data) };
  return Promise.all(
    hosts.map(async (h) => {
      try {
        return { host: h.host, port: h.port, ok: true, detail: await probeTarget(config, toTarget(h), timeouts) };
      } catch (err) {
        return { host: h.host, port: h.port, ok: false, detail: `FAILED: ${(err as Error).message}` };
      }
    }),
  );
}

function thresholdsOf(args: Args): Thresholds | string {
  const dur = (name: 'warn-age' | 'crit-age', fallback: number) => (args[name] === undefined ? fallback : parseDuration(args[name]!));
  const count = (name: 'warn-queue' | 'crit-queue', fallback: number) => (args[name] === undefined ? fallback : Number.isInteger(args[name]) && args[name]! >= 0 ? args[name]! : undefined);
  const t = { warnAge: dur('warn-age', DEFAULT_THRESHOLDS.warnAge), critAge: dur('crit-age', DEFAULT_THRESHOLDS.critAge), warnQueue: count('warn-queue', DEFAULT_THRESHOLDS.warnQueue), critQueue: count('crit-queue', DEFAULT_THRESHOLDS.critQueue) };
  for (const [k, v] of Object.entries(t)) if (v === undefined) return `--${k.replace(/[A-Z]/, (c) => '-' + c.toLowerCase())} is not ${k.endsWith('Age') ? 'a duration like 30m or 4h' : 'a whole number'}`;
  return t as Thresholds;
}

function details(daemon: DaemonState, q: QueueFigures, hosts: HostCheck[] | undefined, now: number): string[] {
  const out: string[] = [];
  if (daemon.state !== 'running') out.push(`daemon: ${daemon.state}`);
  else if (!daemon.status) out.push('daemon: running (too old to report its figures)');
  else {
    const s = daemon.status;
    out.push(`daemon: running, pid ${s.pid}, up ${formatDuration(now - Date.parse(s.startedAt))} (since ${s.startedAt}), version ${s.version}`);
  }
  const c = q.counts;
  out.push(`queue: ${waitingOf(q)} waiting (maildrop ${c.maildrop}, incoming ${c.incoming}, deferred ${c.deferred}), hold ${c.hold}, corrupt ${c.corrupt}`);
  out.push(q.oldest ? `oldest: ${q.oldest.id} in ${q.oldest.state}, ${formatDuration(now - q.oldest.createdAt)} (since ${new Date(q.oldest.createdAt).toISOString()})` : 'oldest: none waiting');
  if (daemon.state === 'running' && daemon.status) {
    const { lastHour: h, total: t, lastError: e } = daemon.status;
    out.push(`last hour: ${h.delivered} delivered, ${h.deferred} deferred, ${h.failed} failed`);
    out.push(`since start: ${t.delivered} delivered, ${t.deferred} deferred, ${t.failed} failed`);
    out.push(e ? `last error: ${e.id} ${e.result} ${e.code} at ${e.at} (details: mailroom queue show ${e.id}, or the log)` : 'last error: none since start');
  }
  for (const h of hosts ?? []) out.push(`smart host ${h.host}:${h.port}: ${h.detail}`);
  return out;
}

export const statusCommand: CommandModule<{ config?: string }, Args> = {
  command: 'status',
  describe: 'daemon, queue and smart host health; exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object' })
      .option('connect', { type: 'boolean', default: false, describe: 'also connect to each smart host (TLS and AUTH as the relay does; sends no mail)' })
      .option('warn-age', { type: 'string', describe: 'warn when the oldest waiting message is this old (default 1h)' })
      .option('crit-age', { type: 'string', describe: 'critical from this age (default 4h)' })
      .option('warn-queue', { type: 'number', describe: 'warn from this many waiting messages (default 100)' })
      .option('crit-queue', { type: 'number', describe: 'critical from this many waiting messages (default 1000)' })
      .option('connect-timeout', { type: 'string', default: '10s', describe: 'longest wait for each step of a --connect check' }) as never,
  handler: async (args) => {
    const now = Date.now();
    const unknown = (why: string) => {
      if (args.json) process.stdout.write(JSON.stringify({ status: 'unknown', code: HEALTH.UNKNOWN, summary: unknownSummary(why), problems: [why] }, null, 2) + '\n');
      else process.stdout.write(unknownSummary(why) + '\n');
      process.exitCode = HEALTH.UNKNOWN;
    };
    const t = thresholdsOf(args);
    const connectTimeout = parseDuration(args['connect-timeout'] ?? '10s');
    if (typeof t === 'string') return unknown(t);
    if (!connectTimeout) return unknown('--connect-timeout is not a duration like 10s');
    let config: Config;
    let q: QueueFigures;
    try {
      config = await loadConfig(args.config);
    } catch (err) {
      return unknown(`configuration: ${(err as Error).message.split('\n')[0]}`);
    }
    try {
      q = await readQueueFigures(spoolPaths(config.spool));
    } catch (err) {
      return unknown((err as Error).message.split('\n')[0]!);
    }
    const [daemon, hosts] = await Promise.all([askStatus(config), args.connect ? checkHosts(config, connectTimeout) : Promise.resolve(undefined)]);
    const v = judge(daemon, q, hosts, t, now);
    const lines = details(daemon, q, hosts, now);
    if (args.connect && hosts?.length === 0) lines.push('smart hosts: none configured (nothing to check)');
    if (args.json) {
      const age = q.oldest ? Math.max(0, Math.round((now - q.oldest.createdAt) / 1000)) : null;
      const status = daemon.state === 'running' ? daemon.status : null;
      process.stdout.write(
        JSON.stringify(
          {
            status: HEALTH_LABELS[v.code].toLowerCase(),
            code: v.code,
            summary: v.summary,
            problems: v.problems,
            daemon: { state: daemon.state, pid: status?.pid ?? null, startedAt: status?.startedAt ?? null, uptimeSeconds: status ? Math.round((now - Date.parse(status.startedAt)) / 1000) : null, version: status?.version ?? null },
            queue: { ...q.counts, waiting: waitingOf(q), oldestId: q.oldest?.id ?? null, oldestState: q.oldest?.state ?? null, oldestAgeSeconds: age },
            deliveries: status ? { lastHour: status.lastHour, sinceStart: status.total } : null,
            lastError: status?.lastError ?? null,
            smarthosts: hosts ?? null,
            thresholds: { warnAgeSeconds: t.warnAge / 1000, critAgeSeconds: t.critAge / 1000, warnQueue: t.warnQueue, critQueue: t.critQueue },
          },
          null,
          2,
        ) + '\n',
      );
    } else process.stdout.write([v.summary, ...lines].join('\n') + '\n');
    process.exitCode = v.code;
  },
};

// Delivery to `|command` alias targets: /bin/sh -c COMMAND as the unprivileged
// user (nobody by default; when the daemon is not root, as itself), in /, with
// a small fixed environment, the message on stdin and a time limit. Exit 0 is
// delivered, 75 (EX_TEMPFAIL) or our time limit is deferred, anything else
// fails with the first line of the command's stderr (Postfix pipe/local).
import { spawn } from 'node:child_process';
import type { DeliveryOutcome } from '../shared/delivery.js';
import { replies } from '../shared/replies.js';
import type { Owner } from './maildir.js';

export interface PipeRequest {
  command: string;
  /** Run as this uid/gid (supplementary groups are dropped by the spawn). */
  as: (Owner & { name: string }) | undefined;
  input: Buffer;
  timeoutMs: number;
  env: Record<string, string>;
  relay: string;
}

const STDERR_LIMIT = 4096;

export function runPipe(r: PipeRequest): Promise<DeliveryOutcome> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', r.command], {
      cwd: '/',
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', SHELL: '/bin/sh', HOME: '/', ...(r.as ? { USER: r.as.name, LOGNAME: r.as.name } : {}), ...r.env },
      stdio: ['pipe', 'ignore', 'pipe'],
      detached: true, // its own process group, so a time-out kills the whole pipeline
      ...(r.as ? { uid: r.as.uid, gid: r.as.gid } : {}),
    });
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const done = (o: DeliveryOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, r.timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < STDERR_LIMIT) stderr += d.toString('utf8');
    });
    child.stdin!.on('error', () => undefined); // a command that does not read its input is not an error
    child.on('error', (err) => done({ ...replies.localTemporary(`cannot run command: ${(err as NodeJS.ErrnoException).code ?? err.message}`), relay: r.relay }));
    child.on('close', (code, signal) => {
      const why = stderr.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
      if (timedOut) return done({ ...replies.localTemporary(`command timed out after ${Math.round(r.timeoutMs / 1000)}s`), relay: r.relay });
      if (code === 0) return done({ ...replies.delivered('delivered to command'), relay: r.relay });
      if (code === 75) return done({ ...replies.localTemporary(`command deferred (exit 75)${why ? `: ${why}` : ''}`), relay: r.relay });
      const how = signal ? `killed by ${signal}` : `exit ${code}`;
      done({ ...replies.localPermanent(`command failed (${how})${why ? `: ${why}` : ''}`), relay: r.relay });
    });
    child.stdin!.end(r.input);
  });
}

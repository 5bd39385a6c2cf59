// Privilege separation, the root process: started as root with `user` set,
// `mailroom daemon` prepares the spool and run directories for that account,
// binds ports below 1024, then runs the daemon itself as that account (a child
// process) and stays behind for one job only: local writes into mailboxes,
// commands and files (local/privileged.ts), which need other users'
// identities. Signals are passed on; it exits when the daemon does. On SIGHUP
// it reads and checks the configuration itself first: an invalid one is
// refused here (the daemon is not asked), a valid one gives it the new aliases
// before the daemon, which reads the file too, is told to reload.
import { fork } from 'node:child_process';
import type { Server } from 'node:net';
import type { Config } from '../config/load.js';
import { createPrivilegedWriter, type DaemonAccount } from '../local/privileged.js';
import type { LocalWrite } from '../local/writer.js';
import type { Logger } from '../shared/log.js';
import { replies } from '../shared/replies.js';
import { notifyReady } from './notify.js';
import { loadForReload } from './reload.js';
import { bindListener, checkSecrets, giveSpoolTo, privilegedAddresses } from './privileges.js';

/** What the two processes say to each other (IPC, structured clone). */
export type MasterMessage = { type: 'listener'; where: string } | { type: 'go' } | { type: 'written'; seq: number; outcome: unknown };
export type WorkerMessage = { type: 'started' } | { type: 'write'; seq: number; w: LocalWrite };

export async function runMaster(config: Config, account: DaemonAccount, argv: string[], log: Logger): Promise<number> {
  await giveSpoolTo(config, account);
  checkSecrets(config, account, log);
  const writer = await createPrivilegedWriter(config, account, log);
  const bound: [string, Server][] = [];
  for (const where of privilegedAddresses(config)) bound.push([where, await bindListener(where)]);
  const child = fork(process.argv[1]!, argv, {
    uid: account.uid,
    gid: account.gid,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, MAILROOM_ROLE: 'worker', HOME: config.spool, USER: account.name, LOGNAME: account.name },
  });
  log.info('privilege separation', { user: account.name, uid: account.uid, daemon_pid: child.pid });
  for (const [where, server] of bound) child.send({ type: 'listener', where } satisfies MasterMessage, server);
  child.send({ type: 'go' } satisfies MasterMessage);
  child.on('message', (m: WorkerMessage) => {
    if (m?.type === 'started') {
      for (const [, s] of bound) s.close();
      notifyReady();
    } else if (m?.type === 'write' && Number.isInteger(m.seq)) {
      // Structured clone turns a Buffer into a Uint8Array.
      const w = m.w as Omit<LocalWrite, 'data'> & { data: unknown };
      const d = w?.data;
      if (d instanceof Uint8Array && !Buffer.isBuffer(d)) w.data = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
      writer.write(w as LocalWrite).then(
        (outcome) => child.connected && child.send({ type: 'written', seq: m.seq, outcome } satisfies MasterMessage),
        (err) => child.connected && child.send({ type: 'written', seq: m.seq, outcome: replies.localTemporary(`local delivery failed: ${(err as Error).message}`) } satisfies MasterMessage),
      );
    }
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => child.kill(sig));
  let reloading: Promise<void> = Promise.resolve();
  const reload = async () => {
    const next = await loadForReload(config.file, log);
    if (!next) return;
    // Its own reading of the aliases first: a new |command target is accepted
    // here by the time the daemon routes to it.
    await writer.reload(next).catch((err) => log.error('reload failed for a service', { service: 'privileged aliases', error: (err as Error).message }));
    if (child.exitCode === null) child.kill('SIGHUP');
  };
  process.on('SIGHUP', () => {
    reloading = reloading.then(reload, reload);
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      if (code !== 0) log.error('daemon process ended', { code, signal });
      resolve(code ?? 1);
    });
  });
}

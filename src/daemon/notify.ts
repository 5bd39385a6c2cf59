// Readiness for systemd (Type=notify): `systemd-notify --ready` sends READY=1
// to $NOTIFY_SOCKET (Node has no Unix datagram sockets; the unit sets
// NotifyAccess=all so the helper's message counts). Without systemd, nothing.
import { spawn } from 'node:child_process';

export function notifyReady(): void {
  if (!process.env.NOTIFY_SOCKET) return;
  const child = spawn('systemd-notify', ['--ready', `--pid=${process.pid}`], { stdio: 'ignore' });
  child.on('error', () => undefined);
}

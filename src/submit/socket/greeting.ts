// smtp-server waits 100 ms before every greeting to catch clients that talk
// too early (spam bots on the Internet). On the local Unix socket there is no
// such client, and the wait is pure latency for every local submission, so
// servers created with `noGreetingDelay` greet at once. (smtp-server has no
// option for this; the connection's init() is wrapped for those servers only.)
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

interface Patchable {
  init(): void;
  _setListeners(cb: () => void): void;
  connectionReady(): void;
  _server: { options: { noGreetingDelay?: boolean } };
}

let patched = false;

export function allowImmediateGreeting(): void {
  if (patched) return;
  patched = true;
  const proto = (SMTPConnection as unknown as { prototype: Patchable }).prototype;
  const original = proto.init;
  proto.init = function (this: Patchable) {
    if (this._server.options.noGreetingDelay !== true) return original.call(this);
    this._setListeners(() => this.connectionReady());
  };
}

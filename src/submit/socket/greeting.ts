// smtp-server waits 100 ms before every greeting to catch clients that talk
// too early (spam bots on the Internet). On the local Unix socket there is no
// such client, and the wait is pure latency for every local submission, so
// servers created with `noGreetingDelay` greet at once. (smtp-server has no
// option for this; smtp-server-adapter.ts hooks the connection's start.)
import { greetAtOnce } from './smtp-server-adapter.js';

export function allowImmediateGreeting(): void {
  greetAtOnce((c) => c.serverOptions.noGreetingDelay === true);
}

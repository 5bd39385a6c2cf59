// The optional native addon (native/syncfs, the package mailroom-syncfs),
// built by npm at install on Linux: loaded once, by whichever stage needs it
// first; undefined where it was not built. Each stage types what it uses.
import { createRequire } from 'node:module';

let addon: object | null | undefined;

export function nativeAddon(): object | undefined {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)('mailroom-syncfs') as object;
    } catch {
      addon = null;
    }
  }
  return addon ?? undefined;
}

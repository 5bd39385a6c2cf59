// The CLI edge of the error catalogue: an error's exit status (sysexits.h),
// read from its kind's row in errors.ts. Anything not ours is a bug (EX_SOFTWARE).
import { edgeOf } from './errors.js';
import { EX } from './sysexits.js';

export { EX };

export function exitCodeFor(err: unknown): number {
  return edgeOf(err).exit;
}

// The one translation table from an error kind to a sysexits.h code (CLI edge).
import { isMailroomError, type ErrorKind } from './errors.js';

export const EX = {
  OK: 0,
  USAGE: 64,
  DATAERR: 65,
  NOINPUT: 66,
  NOUSER: 67,
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  CANTCREAT: 73,
  IOERR: 74,
  TEMPFAIL: 75,
  NOPERM: 77,
  CONFIG: 78,
} as const;

const byKind: Record<ErrorKind, number> = {
  usage: EX.USAGE,
  data: EX.DATAERR,
  nouser: EX.NOUSER,
  noinput: EX.NOINPUT,
  unavailable: EX.UNAVAILABLE,
  cantcreat: EX.CANTCREAT,
  ioerr: EX.IOERR,
  temporary: EX.TEMPFAIL,
  permission: EX.NOPERM,
  config: EX.CONFIG,
  internal: EX.SOFTWARE,
};

export function exitCodeFor(err: unknown): number {
  return isMailroomError(err) ? byKind[err.kind] : EX.SOFTWARE;
}

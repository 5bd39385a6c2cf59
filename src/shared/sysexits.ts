// The exit statuses of sysexits.h that mailroom's commands use. Constants
// only, so the error catalogue (errors.ts) and the CLI edge (exit-codes.ts)
// both read them without importing each other.

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

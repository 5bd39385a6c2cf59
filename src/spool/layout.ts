// Creates the spool directories with their modes (man/mailroom-spool.5).
// The root is 0711 (traversable so users reach maildrop/, not listable),
// maildrop/ 1733 (anyone drops, nobody lists), every other directory 0700.
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { QUEUE_STATES, SPOOL_MODES, type SpoolPaths } from './paths.js';

/**
 * mkdir -p, bounded: Node's own recursive mkdir spins forever on file systems
 * that refuse to create anything (e.g. a spool under /proc), so parents are
 * created one level at a time and a second ENOENT is final.
 */
async function mkdirs(dir: string, mode: number, depth = 0): Promise<void> {
  try {
    await fsp.mkdir(dir, { mode });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || depth > 32 || dirname(dir) === dir) throw err;
    await mkdirs(dirname(dir), 0o755, depth + 1);
    await fsp.mkdir(dir, { mode }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
}

async function ensureDir(dir: string, mode: number): Promise<void> {
  await mkdirs(dir, mode);
  const st = await fsp.stat(dir);
  if ((st.mode & 0o7777) !== mode && st.uid === process.getuid?.()) await fsp.chmod(dir, mode);
}

/** Every directory of the spool with its mode, the root first (also what `mailroom install` checks and chowns). */
export function spoolDirs(paths: SpoolPaths): [dir: string, mode: number][] {
  return [
    [paths.root, SPOOL_MODES.root!],
    [paths.maildrop, SPOOL_MODES.maildrop!],
    ...[paths.tmp, paths.data, paths.locks, paths.corrupt, ...QUEUE_STATES.map((s) => paths.dir(s))].map((d): [string, number] => [d, SPOOL_MODES.private!]),
  ];
}

export async function ensureSpool(paths: SpoolPaths): Promise<void> {
  for (const [dir, mode] of spoolDirs(paths)) await ensureDir(dir, mode);
}

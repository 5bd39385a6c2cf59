// Creates the spool directories with their modes (man/mailroom-spool.5).
// The root is 0711 (traversable so users reach maildrop/, not listable),
// maildrop/ 1733 (anyone drops, nobody lists), every other directory 0700.
import { promises as fsp } from 'node:fs';
import { QUEUE_STATES, SPOOL_MODES, type SpoolPaths } from './paths.js';

async function ensureDir(dir: string, mode: number): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode });
  const st = await fsp.stat(dir);
  if ((st.mode & 0o7777) !== mode && st.uid === process.getuid?.()) await fsp.chmod(dir, mode);
}

export async function ensureSpool(paths: SpoolPaths): Promise<void> {
  await ensureDir(paths.root, SPOOL_MODES.root!);
  await ensureDir(paths.maildrop, SPOOL_MODES.maildrop!);
  for (const d of [paths.tmp, paths.data, paths.locks, paths.corrupt, ...QUEUE_STATES.map((s) => paths.dir(s))]) {
    await ensureDir(d, SPOOL_MODES.private!);
  }
}

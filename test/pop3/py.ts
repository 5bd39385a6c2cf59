// Runs a Python poplib script (Debian's /usr/bin/python3) and parses its JSON output.
import { run } from '../helpers/env.js';
import { PYTHON } from '../mailbox/fixture.js';

export async function python<T = any>(script: string, env: Record<string, string> = {}): Promise<T> {
  const r = await run(PYTHON, ['-c', script], '', { env, timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`python failed (${r.code}): ${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}

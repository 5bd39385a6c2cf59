// The configuration every sendmail mode starts from. A fresh cache (written
// only from a configuration that passed every check) costs a stat and a JSON
// read; on a miss the full loader (zod, cosmiconfig, the files check) is
// imported here, on demand — package.json's bundle:sendmail keeps it out of
// the fast path — and refuses a bad configuration with EX_CONFIG.
import { cachedSubmitView, type SubmitView } from '../../config/submit-view.js';

/** The submission view: from the cache, else from a full validation (which writes the cache). */
export async function loadSubmitView(explicit: string | undefined): Promise<SubmitView> {
  const cached = cachedSubmitView(explicit);
  if (cached.view) return cached.view;
  // This path text is the bundle's --external: it must stay relative to this folder.
  const { loadConfig, submitViewOf } = await import('../../config/load.js');
  return submitViewOf(await loadConfig(explicit));
}

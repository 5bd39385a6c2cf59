// EXPUNGE (placeholder until the message commands land).
import type { Executor } from '../types.js';

export const runExpunge: Executor<'EXPUNGE'> = async (_ctx, _cmd) => ({ status: 'NO', text: 'EXPUNGE is not available yet' });

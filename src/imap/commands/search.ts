// SEARCH (placeholder until the message commands land).
import type { Executor } from '../types.js';

export const runSearch: Executor<'SEARCH'> = async (_ctx, _cmd) => ({ status: 'NO', text: 'SEARCH is not available yet' });

// FETCH (placeholder until the message commands land).
import type { Executor } from '../types.js';

export const runFetch: Executor<'FETCH'> = async (_ctx, _cmd) => ({ status: 'NO', text: 'FETCH is not available yet' });

// STORE (placeholder until the message commands land).
import type { Executor } from '../types.js';

export const runStore: Executor<'STORE'> = async (_ctx, _cmd) => ({ status: 'NO', text: 'STORE is not available yet' });

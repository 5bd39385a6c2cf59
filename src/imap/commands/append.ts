// APPEND (placeholder until the message commands land).
import type { Executor } from '../types.js';

export const runAppend: Executor<'APPEND'> = async (_ctx, _cmd) => ({ status: 'NO', text: 'APPEND is not available yet' });

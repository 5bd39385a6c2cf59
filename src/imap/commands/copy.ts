// COPY (placeholder until the message commands land).
import type { Executor } from '../types.js';

export const runCopy: Executor<'COPY'> = async (_ctx, _cmd) => ({ status: 'NO', text: 'COPY is not available yet' });

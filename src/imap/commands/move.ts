// MOVE (placeholder until the message commands land).
import type { Executor } from '../types.js';

export const runMove: Executor<'MOVE'> = async (_ctx, _cmd) => ({ status: 'NO', text: 'MOVE is not available yet' });

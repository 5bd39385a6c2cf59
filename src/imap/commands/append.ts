// APPEND (RFC 3501 §6.3.11) with APPENDUID (RFC 4315 §3): stores a message in
// any mailbox with its flags and internal date; a missing mailbox is NO
// [TRYCREATE]. When it lands in the selected mailbox the session hears EXISTS.
import type { Executor } from '../types.js';
import { announceIfSelected, openTarget } from './copy.js';
import { normalizeFlags } from './store.js';

export const runAppend: Executor<'APPEND'> = async (ctx, cmd) => {
  const flags = normalizeFlags(cmd.flags);
  if (!flags) return { status: 'BAD', text: 'Invalid flag (\\Recent and unknown system flags cannot be stored)' };
  if (cmd.message.length === 0) return { status: 'NO', text: 'An empty message cannot be appended' };
  const target = await openTarget(ctx, cmd.mailbox);
  if (!('current' in target)) return target;
  try {
    const uid = await target.append(cmd.message, flags, cmd.date);
    const code = `APPENDUID ${target.current().uidValidity} ${uid}`;
    await announceIfSelected(ctx, target);
    return { status: 'OK', code, text: 'APPEND completed' };
  } finally {
    target.release();
  }
};

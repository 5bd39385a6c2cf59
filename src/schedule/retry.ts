// When to try a deferred message again: relay.retry gives the waits after the
// 1st, 2nd, ... failed attempt; after the list, its last value repeats.
export function nextAttemptDelay(schedule: readonly number[], attempts: number): number {
  if (schedule.length === 0) return 3_600_000;
  return schedule[Math.min(Math.max(attempts, 1), schedule.length) - 1]!;
}

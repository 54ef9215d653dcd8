// Commands that wait (read --wait, tail) end quietly on SIGINT/SIGTERM with the shell's exit code
// (128 + signal number), whatever the aborted request threw.

/** The exit code after each signal a command stops on (128 + its number, as shells report it). */
export const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Runs `body` with a signal that SIGINT or SIGTERM aborts; after such a signal the process exits 130 or
 * 143 without printing, and any error the aborted work threw is dropped. Other errors propagate.
 */
export async function untilSignal(body: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const abort = new AbortController();
  let stoppedBy: string | undefined;
  const onSignal = (sig: string) => {
    stoppedBy = sig;
    abort.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await body(abort.signal);
  } catch (e) {
    if (!stoppedBy) throw e;
  }
  if (stoppedBy) process.exit(SIGNAL_EXIT[stoppedBy] ?? 1);
}

// How the CLI speaks: JSON on stdout, one-line errors on stderr, and the one code -> exit-code table.
import { type ErrorCode, IpcError } from "../core/errors.js";

/** Exit code of a usage error (bad arguments). */
export const EXIT_USAGE = 2;

/** Exit codes per error code: bad input is a usage error (2); every refusal or failure is 1. */
const EXIT_CODES: Record<ErrorCode, number> = {
  invalid_argument: EXIT_USAGE,
  unauthorized: 1,
  bad_signature: 1,
  unknown_agent: 1,
  replayed: 1,
  forbidden: 1,
  not_found: 1,
  conflict: 1,
  idempotency_conflict: 1,
  too_large: 1,
  rate_limited: 1,
  unavailable: 1,
  internal: 1,
};

/** Writes text to stdout and resolves once it has been handed to the OS. */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/** Prints a value as JSON (indented like the reference for arrays and cards). */
export function printJson(value: unknown, indent = 2): Promise<void> {
  return writeOut(`${JSON.stringify(value, null, indent)}\n`);
}

/** Unix seconds as an ISO 8601 UTC time to the second, e.g. 2026-01-01T12:00:00Z. */
export function isoSeconds(unixSeconds: number): string {
  const ms = unixSeconds * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15
    ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")
    : String(unixSeconds);
}

/** Prints one error line on stderr and exits with the code from the table; never a stack trace. */
export function fail(e: unknown): never {
  const err =
    e instanceof IpcError
      ? e
      : new IpcError("internal", `internal error: ${(e as Error)?.message ?? String(e)}`);
  process.stderr.write(`el-ipc: ${err.message}\n`);
  process.exit(EXIT_CODES[err.code]);
}

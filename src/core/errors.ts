// The one error type of el-ipc: every refusal carries a code from a closed union; faces map codes to
// HTTP statuses or exit codes and never show a stack trace.

import type { ErrorCode } from "../protocol/errors.js";

export type { ErrorCode } from "../protocol/errors.js";

/** An expected failure with a one-line, user-facing message. */
export class IpcError extends Error {
  /** Machine-readable reason. */
  readonly code: ErrorCode;
  /** Seconds a client should wait before retrying (rate limits). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, retryAfter?: number) {
    super(message);
    this.name = "IpcError";
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** True when `e` is an IpcError. */
export function isIpcError(e: unknown): e is IpcError {
  return e instanceof IpcError;
}

/** Turns anything thrown into an IpcError; unknown errors become `internal` without leaking details. */
export function toIpcError(e: unknown): IpcError {
  if (e instanceof IpcError) return e;
  return new IpcError("internal", "internal error");
}

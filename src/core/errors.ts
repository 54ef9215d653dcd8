// The one error type of el-ipc: every refusal carries a code from a closed union; faces map codes to
// HTTP statuses or exit codes and never show a stack trace.

import { type ErrorCode, STATUS_OF_CODE } from "../protocol/codes.js";

export type { ErrorCode } from "../protocol/codes.js";

/** An expected failure with a one-line, user-facing message. */
export class IpcError extends Error {
  /** Machine-readable reason. */
  readonly code: ErrorCode;
  /** Seconds a client should wait before retrying (rate limits). */
  readonly retryAfter: number | undefined;
  /**
   * The HTTP status: the one a server answered (SDK, remote), else the protocol's status of `code`
   * (STATUS_OF_CODE).
   */
  readonly status: number;

  constructor(code: ErrorCode, message: string, retryAfter?: number, status?: number) {
    super(message);
    this.name = "IpcError";
    this.code = code;
    this.retryAfter = retryAfter;
    this.status = status ?? STATUS_OF_CODE[code];
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

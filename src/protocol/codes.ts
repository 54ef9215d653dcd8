// The protocol's error codes and their HTTP statuses, free of zod so the SDK's remote client can load
// them without the validation library (docs/PROTOCOL.md section 7).

/** Every error code, in the order docs/PROTOCOL.md lists them. */
export const ERROR_CODES = [
  "invalid_argument",
  "unauthorized",
  "bad_signature",
  "unknown_agent",
  "forbidden",
  "not_found",
  "replayed",
  "conflict",
  "idempotency_conflict",
  "too_large",
  "rate_limited",
  "unavailable",
  "internal",
] as const;

/** Why an operation was refused. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** HTTP status of every error code (a body that is not application/json is 415 invalid_argument). */
export const STATUS_OF_CODE: Readonly<Record<ErrorCode, number>> = {
  invalid_argument: 400,
  unauthorized: 401,
  bad_signature: 401,
  unknown_agent: 403,
  forbidden: 403,
  not_found: 404,
  replayed: 409,
  conflict: 409,
  idempotency_conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** The code a client assumes for a status when the body names none (a proxy's answer, say). */
export const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: "invalid_argument",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "too_large",
  415: "invalid_argument",
  429: "rate_limited",
  500: "internal",
  503: "unavailable",
};

/** The `error` of the 404 a server answers for a path it has no route for (clients tell it from others). */
export const NO_ROUTE_ERROR = "not found";

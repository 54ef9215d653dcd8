// Header names the protocol uses beyond HTTP's own: the request proof (docs/PROTOCOL.md 4.3), listing
// cursors and the stream's resume position.
/** Headers that carry a request proof, lower case as Node gives them. */
export const PROOF_HEADERS = {
  agent: "x-ipc-agent",
  timestamp: "x-ipc-timestamp",
  nonce: "x-ipc-nonce",
  signature: "x-ipc-signature",
} as const;

/** The next page's cursor on a listing answer (absent on the last page). */
export const NEXT_CURSOR_HEADER = "x-ipc-next-cursor";

/** An SSE client's resume position (a message id). */
export const LAST_EVENT_ID_HEADER = "last-event-id";

/** The dashboard's session cookie (docs/SECURITY.md, dashboard). */
export const UI_SESSION_COOKIE = "elipc_ui";

/** The header that carries the dashboard session's CSRF token on its POSTs. */
export const CSRF_HEADER = "x-csrf-token";

// The request target of an operation: its path and query string, as clients send it and request proofs
// sign it. Free of zod (the SDK's remote client loads it).

/**
 * The request target (path and query string) of an operation: undefined, null and false parameters are
 * left out, true is sent as "true".
 */
export function targetOf(op: { readonly path: string }, query: Record<string, unknown> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === false) continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s === "" ? op.path : `${op.path}?${s}`;
}

// RFC 8785 JSON Canonicalization Scheme for the JSON el-ipc signs (agent cards): object members sorted by
// their UTF-16 code units, no whitespace, strings and numbers as ECMAScript's JSON.stringify writes them
// (which is what RFC 8785 section 3.2.2 prescribes for both).

/** The JCS form of a JSON value; refuses values JSON cannot carry (NaN, Infinity, undefined in arrays). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("JCS: numbers must be finite");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(",")}]`;
  if (typeof value === "object") {
    // Default sort compares UTF-16 code units, as RFC 8785 section 3.2.3 requires.
    const keys = Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  throw new TypeError(`JCS: cannot canonicalize a ${typeof value}`);
}

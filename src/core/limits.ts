// Input limits and name rules shared by every face. Defaults are documented in the README (Limits).
import { IpcError } from "./errors.js";

/** Size limits; every field has a default in DEFAULT_LIMITS. */
export interface Limits {
  /** Largest message content, in UTF-8 bytes. Default 65,536 (64 KiB). */
  contentBytes: number;
  /** Largest HTTP request body, in bytes. Default 1,048,576 (1 MiB). */
  bodyBytes: number;
  /** Messages returned by one read when the caller gives no limit. Default 100. */
  defaultPage: number;
  /** Largest page a caller may ask for. Default 1000. */
  maxPage: number;
  /**
   * Largest page in bytes (messageBytes of its messages); a page always holds at least one message.
   * Default 4,194,304 (4 MiB).
   */
  pageBytes: number;
  /** Messages in one batch send. Default 1000. */
  maxBatch: number;
}

/** The defaults of every limit. */
export const DEFAULT_LIMITS: Limits = {
  contentBytes: 64 * 1024,
  bodyBytes: 1024 * 1024,
  defaultPage: 100,
  maxPage: 1000,
  pageBytes: 4 * 1024 * 1024,
  maxBatch: 1000,
};

/**
 * The size a message counts for in a page: the UTF-8 bytes of its content, plus its names and signature
 * and a fixed 128 for the other fields, close to its JSON size.
 */
export function messageBytes(m: {
  content: string;
  channel: string;
  sender: string;
  signature: string;
}): number {
  return (
    Buffer.byteLength(m.content, "utf8") +
    m.channel.length * 3 +
    m.sender.length * 3 +
    m.signature.length +
    128
  );
}

/** Longest channel or agent name, in characters. */
export const MAX_NAME_CHARS = 128;
/** Longest identity string attached to an agent, in characters. */
export const MAX_IDENTITY_CHARS = 512;

// Whitespace, C0/C1 controls, commas (channel lists use them) and lone surrogates (invalid UTF-8).
/** Printable ASCII but the comma, not starting "@@": a name every check accepts. */
export const PLAIN_NAME = /^(?!@@)[!-+\--~]+$/;
const BAD_NAME_CHAR = /[\s\p{Cc},]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Code points that render as nothing, reorder text or look blank: every default-ignorable code point
// (U+00AD, U+034F, U+115F, U+200B-200F, U+2060-206F, U+3164, U+FE00-FE0F, U+FEFF, U+E0000-E0FFF, ...), every
// bidi control (U+061C, U+202A-202E, U+2066-2069, ...) and the braille blank U+2800, which Unicode lists in neither.
const INVISIBLE_NAME_CHAR = /[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\u2800]/u;

/** Shows a name with its invisible or non-ASCII code points escaped, for error messages. */
export function shown(name: string): string {
  return JSON.stringify(name).replace(
    /[^\x20-\x7E]/gu,
    (c) => `\\u{${(c.codePointAt(0) as number).toString(16).toUpperCase()}}`,
  );
}

/** True when `c` is an @ or looks like one (＠, ﹫, or anything whose NFKC form is "@"). */
function looksLikeAt(c: string): boolean {
  return c === "@" || c.normalize("NFKC") === "@";
}

/**
 * Checks a channel or agent name; throws invalid_argument with the reason. Refused: whitespace,
 * controls, commas, lone surrogates, names not in NFC, invisible or bidi-control code points, and a
 * look-alike of "@" (＠, ﹫, ...) at the start or right after a leading "@" (inbox channels start with "@").
 */
export function checkName(kind: "channel" | "agent" | "sender" | "operator", name: unknown): string {
  // Most names are short printable ASCII, which none of the checks below can refuse (each send checks two).
  if (typeof name === "string" && name.length <= MAX_NAME_CHARS && PLAIN_NAME.test(name)) return name;
  return checkUnusualName(kind, name);
}

/** checkName without its shortcut for plain ASCII names (exported for the test that they agree). */
export function checkUnusualName(kind: "channel" | "agent" | "sender" | "operator", name: unknown): string {
  if (typeof name !== "string" || name.length === 0)
    throw new IpcError("invalid_argument", `${kind} is required`);
  if ([...name].length > MAX_NAME_CHARS) {
    throw new IpcError("invalid_argument", `${kind} name is longer than ${MAX_NAME_CHARS} characters`);
  }
  if (BAD_NAME_CHAR.test(name)) {
    throw new IpcError(
      "invalid_argument",
      `${kind} name ${JSON.stringify(name)} may not contain whitespace, control characters or commas`,
    );
  }
  if (INVISIBLE_NAME_CHAR.test(name)) {
    throw new IpcError(
      "invalid_argument",
      `${kind} name ${shown(name)} may not contain invisible, format or bidi-control characters`,
    );
  }
  if (name.normalize("NFC") !== name) {
    throw new IpcError(
      "invalid_argument",
      `${kind} name ${shown(name)} is not in Unicode normal form C; send ${shown(name.normalize("NFC"))}`,
    );
  }
  const [first = "", second = ""] = [...name];
  if ((first !== "@" && looksLikeAt(first)) || (first === "@" && looksLikeAt(second))) {
    throw new IpcError(
      "invalid_argument",
      `${kind} name ${shown(name)} may not start with a look-alike of "@"`,
    );
  }
  return name;
}

/** Checks message content against the byte limit and for invalid UTF-8. */
export function checkContent(content: unknown, limits: Limits): string {
  if (typeof content !== "string") throw new IpcError("invalid_argument", "content must be a string");
  if (LONE_SURROGATE.test(content)) throw new IpcError("invalid_argument", "content is not valid UTF-8");
  const bytes = Buffer.byteLength(content, "utf8");
  if (bytes > limits.contentBytes) {
    throw new IpcError("too_large", `content is ${bytes} bytes; the limit is ${limits.contentBytes}`);
  }
  return content;
}

/** Checks an identity string (free text, one line). */
export function checkIdentity(identity: unknown): string {
  if (identity === undefined || identity === null) return "";
  if (typeof identity !== "string") throw new IpcError("invalid_argument", "identity must be a string");
  if (identity.length > MAX_IDENTITY_CHARS || /[\p{Cc}]/u.test(identity) || LONE_SURROGATE.test(identity)) {
    throw new IpcError(
      "invalid_argument",
      `identity must be one line of at most ${MAX_IDENTITY_CHARS} printable characters`,
    );
  }
  return identity;
}

/** Splits `a,b,c` into checked channel names (at most 64, no duplicates). */
export function parseChannelList(list: unknown): string[] {
  if (typeof list !== "string" || list.length === 0)
    throw new IpcError("invalid_argument", "channel is required");
  const names = [...new Set(list.split(","))];
  if (names.length > 64) throw new IpcError("invalid_argument", "at most 64 channels in one read");
  return names.map((n) => checkName("channel", n));
}

/** Clamps a requested page size to [1, maxPage], defaulting when absent. */
export function pageSize(requested: number | undefined, limits: Limits): number {
  if (requested === undefined) return limits.defaultPage;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new IpcError("invalid_argument", "limit must be a positive integer");
  }
  return Math.min(requested, limits.maxPage);
}

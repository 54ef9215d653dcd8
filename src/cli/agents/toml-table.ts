// Sets one table of a TOML file (Codex's `[mcp_servers.el-ipc]`) by editing text, so every other line of
// the file, comments and layout included, stays byte for byte as it was. The result is parsed again and
// compared with the original: anything but that one table changed, and nothing is written.
import { isDeepStrictEqual } from "node:util";
import { IpcError } from "../../core/errors.js";

/** A TOML value init writes: strings, arrays of strings, and tables of strings. */
export type TomlValue = string | string[] | { [key: string]: string };

type Parse = (text: string) => Record<string, unknown>;

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function key(k: string): string {
  return BARE_KEY.test(k) ? k : JSON.stringify(k);
}

/** A TOML basic string: JSON's escapes are TOML's (\\", \\\\, \\n, \\uXXXX). */
function str(s: string): string {
  return JSON.stringify(s);
}

/** `[a.b]` followed by `k = v` lines; nested tables become `[a.b.k]` sub-tables after them. */
export function tomlTable(path: string[], values: Record<string, TomlValue>): string {
  const head = `[${path.map(key).join(".")}]`;
  const lines = [head];
  const subtables: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === "string") lines.push(`${key(k)} = ${str(v)}`);
    else if (Array.isArray(v)) lines.push(`${key(k)} = [${v.map(str).join(", ")}]`);
    else {
      subtables.push("", `[${[...path, k].map(key).join(".")}]`);
      for (const [sk, sv] of Object.entries(v)) subtables.push(`${key(sk)} = ${str(sv)}`);
    }
  }
  return [...lines, ...subtables].join("\n");
}

/** A regular expression for a header `[<path>]` or `[<path>.anything]`, keys bare or quoted. */
function headerOf(path: string[]): RegExp {
  const part = (k: string) => {
    const e = k.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
    return `(?:${e}|"${e}"|'${e}')`;
  };
  return new RegExp(`^\\s*\\[\\s*${path.map(part).join("\\s*\\.\\s*")}\\s*(?:\\.[^\\]]*)?\\]\\s*(?:#.*)?$`);
}

const ANY_HEADER = /^\s*\[/;

function without(value: Record<string, unknown>, path: string[]): Record<string, unknown> {
  const copy = structuredClone(value);
  let at: Record<string, unknown> | undefined = copy;
  for (const k of path.slice(0, -1)) at = at?.[k] as Record<string, unknown> | undefined;
  if (at) delete at[path.at(-1) as string];
  const parent =
    path.length > 1 ? (copy[path[0] as string] as Record<string, unknown> | undefined) : undefined;
  if (parent && Object.keys(parent).length === 0) delete copy[path[0] as string];
  return copy;
}

function lookup(value: Record<string, unknown>, path: string[]): unknown {
  let at: unknown = value;
  for (const k of path) at = (at as Record<string, unknown> | undefined)?.[k];
  return at;
}

/**
 * `text` (a TOML file, "" for none) with the table at `path` set to `values`, replacing that table and its
 * sub-tables where they were (else appended). Refused (invalid_argument, `file` named) when the file is
 * not TOML, when the table is written in another form (inline or dotted keys), or when the check fails.
 */
export function setTomlTable(
  text: string,
  path: string[],
  values: Record<string, TomlValue>,
  parse: Parse,
  file: string,
): string {
  let before: Record<string, unknown>;
  try {
    before = plain(parse(text));
  } catch (e) {
    throw new IpcError("invalid_argument", `${file} is not valid TOML (${firstLine(e)}); fix it first`);
  }
  const lines = text.split("\n");
  const header = headerOf(path);
  const kept: string[] = [];
  let at = -1;
  let inOurs = false;
  for (const line of lines) {
    if (ANY_HEADER.test(line)) {
      inOurs = header.test(line);
      if (inOurs && at < 0) at = kept.length;
    }
    if (!inOurs) kept.push(line);
  }
  if (at < 0 && lookup(before, path) !== undefined) {
    throw new IpcError(
      "invalid_argument",
      `${file} sets ${path.join(".")} as an inline table or with dotted keys; remove those lines and run init again`,
    );
  }
  const block = tomlTable(path, values).split("\n");
  let result: string[];
  if (at < 0) {
    while (kept.length > 0 && kept.at(-1) === "") kept.pop();
    result = kept.length > 0 ? [...kept, "", ...block, ""] : [...block, ""];
  } else {
    result = [...kept.slice(0, at), ...block, "", ...kept.slice(at)];
  }
  const out = result.join("\n");
  let after: Record<string, unknown>;
  try {
    after = plain(parse(out));
  } catch (e) {
    throw new IpcError(
      "invalid_argument",
      `cannot edit ${file} safely (${firstLine(e)}); nothing was written`,
    );
  }
  const mine = isDeepStrictEqual(lookup(after, path), values);
  if (!mine || !isDeepStrictEqual(without(after, path), without(before, path))) {
    throw new IpcError(
      "invalid_argument",
      `cannot edit ${file} without touching other entries; nothing was written`,
    );
  }
  return out;
}

/** The parser's value as plain JSON data (plain prototypes, dates as strings), for comparing. */
function plain(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0] ?? "error";
}

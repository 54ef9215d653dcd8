// Edits an agent's JSON configuration file as data: parse, change el-ipc's entries, write it back with the
// file's own indentation. Every other key keeps its value and its place.
import { IpcError } from "../../core/errors.js";

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** `text` as an object ({} for a missing file); invalid_argument naming `file` when it is not one. */
export function parseJsonObject(text: string | undefined, file: string): JsonObject {
  if (text === undefined || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new IpcError(
      "invalid_argument",
      `${file} is not plain JSON (comments or a syntax error?); fix it or add el-ipc's entry by hand (el-ipc init --dry-run shows it)`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new IpcError("invalid_argument", `${file} does not hold a JSON object`);
  }
  return value as JsonObject;
}

/** The indentation `text` uses (two spaces when it has none). */
function indentOf(text: string | undefined): string | number {
  const m = /^[{[]\s*\n([ \t]+)\S/.exec(text ?? "");
  return m?.[1] ?? 2;
}

/** `text` (a JSON file, undefined when missing) changed by `edit`, as the file's new text. */
export function editJson(text: string | undefined, file: string, edit: (doc: JsonObject) => void): string {
  const doc = parseJsonObject(text, file);
  edit(doc);
  return `${JSON.stringify(doc, null, indentOf(text))}\n`;
}

/** `doc[key]` as an object, made when missing; invalid_argument when it is something else. */
export function objectAt(doc: JsonObject, key: string, file: string): JsonObject {
  const v = doc[key];
  if (v === undefined) {
    const made: JsonObject = {};
    doc[key] = made;
    return made;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new IpcError("invalid_argument", `${file}: "${key}" is not an object; fix it first`);
  }
  return v as JsonObject;
}

/** `doc[key]` as an array, made when missing; invalid_argument when it is something else. */
export function arrayAt(doc: JsonObject, key: string, file: string): unknown[] {
  const v = doc[key];
  if (v === undefined) {
    const made: unknown[] = [];
    doc[key] = made;
    return made;
  }
  if (!Array.isArray(v))
    throw new IpcError("invalid_argument", `${file}: "${key}" is not a list; fix it first`);
  return v;
}

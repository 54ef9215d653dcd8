// `el-ipc send-batch [file]`: store many messages in one transaction, read as NDJSON (one message per
// line) or as one JSON array, from a file or standard input.

import { IpcError } from "../../core/errors.js";
import type { ClientMessage } from "../../sdk/http.js";
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, keyOf, withBackend } from "../context.js";
import { readFileText, readStdinText } from "../input-text.js";
import { writeOut } from "../output.js";

/** Options of `send-batch`. */
interface SendBatchOptions {
  key?: string;
}

/** A message of the input and where it was ("line 3", "item 2"), for error messages. */
export interface ParsedMessage {
  message: ClientMessage;
  where: string;
}

const FIELDS = new Set(["channel", "sender", "content", "key"]);

/** `send-batch`'s command line. */
export const command: CommandSpec = {
  name: "send-batch",
  description:
    "send many messages in one transaction: NDJSON (one {channel, sender, content, key?} per line) or a JSON array",
  arguments: [{ name: "[file]", description: "input file (default, or '-': standard input)" }],
  options: [
    { flags: "--key <file>", description: "private key that signs every message (required in secure mode)" },
  ],
  run,
};

function readInput(file: string | undefined): Promise<string> | string {
  return file === undefined || file === "-" ? readStdinText() : readFileText(file);
}

/** Checks one item of the input; `where` names it in errors ("line 3", "item 2"). */
function toMessage(item: unknown, where: string): ClientMessage {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new IpcError(
      "invalid_argument",
      `${where}: expected a JSON object {channel, sender, content, key?}`,
    );
  }
  const o = item as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!FIELDS.has(k)) {
      throw new IpcError(
        "invalid_argument",
        `${where}: unknown field '${k}' (allowed: channel, sender, content, key)`,
      );
    }
  }
  for (const k of ["channel", "sender", "content"] as const) {
    if (typeof o[k] !== "string") throw new IpcError("invalid_argument", `${where}: ${k} must be a string`);
  }
  if (o.key !== undefined && typeof o.key !== "string") {
    throw new IpcError("invalid_argument", `${where}: key must be a string`);
  }
  return {
    channel: o.channel as string,
    sender: o.sender as string,
    content: o.content as string,
    ...(o.key !== undefined ? { key: o.key as string } : {}),
  };
}

function lineOfPosition(text: string, message: string): number | undefined {
  const pos = /position (\d+)/.exec(message);
  if (!pos) return undefined;
  return text.slice(0, Number(pos[1])).split("\n").length;
}

/** Parses NDJSON (blank lines skipped) or, when the input starts with '[', one JSON array. */
export function parseBatch(text: string): ParsedMessage[] {
  if (text.trimStart().startsWith("[")) {
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch (e) {
      const msg = (e as Error).message.replace(/\r?\n/g, "\\n");
      const line = lineOfPosition(text, msg);
      throw new IpcError("invalid_argument", `${line ? `line ${line}: ` : ""}malformed JSON array: ${msg}`);
    }
    if (!Array.isArray(items)) throw new IpcError("invalid_argument", "expected a JSON array of messages");
    return items.map((item, i) => ({ message: toMessage(item, `item ${i + 1}`), where: `item ${i + 1}` }));
  }
  const out: ParsedMessage[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    let item: unknown;
    try {
      item = JSON.parse(line);
    } catch (e) {
      throw new IpcError("invalid_argument", `line ${i + 1}: malformed JSON: ${(e as Error).message}`);
    }
    out.push({ message: toMessage(item, `line ${i + 1}`), where: `line ${i + 1}` });
  });
  return out;
}

/** Runs `send-batch` and prints {"ok":true,"ids":[...]}. */
export async function run(file: string | undefined, opts: SendBatchOptions, globals: GlobalOptions) {
  const parsed = parseBatch(await readInput(file));
  if (parsed.length === 0) throw new IpcError("invalid_argument", "no messages in the input");
  const key = keyOf(opts.key);
  let ids: number[];
  try {
    ids = await withBackend(globals, (b) =>
      b.sendBatch(
        parsed.map((p) => p.message),
        key,
      ),
    );
  } catch (e) {
    // The core names the failing message by its index; say which line (or item) of the input it was.
    const m = e instanceof IpcError ? /^message (\d+): (.*)$/s.exec(e.message) : null;
    const p = m ? parsed[Number(m[1])] : undefined;
    if (e instanceof IpcError && m && p) {
      throw new IpcError(e.code, `${p.where}: ${m[2]}`, e.retryAfter);
    }
    throw e;
  }
  await writeOut(`${JSON.stringify({ ok: true, ids })}\n`);
}

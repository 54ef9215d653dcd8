// `el-ipc send <channel> <from> <message...>`: store one message (a message of "-" is read from stdin).
import { IpcError } from "../../core/errors.js";
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, keyOf, withBackend } from "../context.js";
import { readStdinText } from "../input-text.js";
import { writeOut } from "../output.js";

/** Options of `send`. */
interface SendOptions {
  key?: string;
  dedupeKey?: string;
}

/**
 * The message on standard input, one trailing newline dropped (as shell command substitution does).
 * Nothing at all is refused as a mistake (an empty pipe, a file that was not written); an empty
 * message is still sent when asked for explicitly, with "" as the argument.
 */
async function messageFromStdin(): Promise<string> {
  const text = await readStdinText();
  if (text === "" || text === "\n") {
    throw new IpcError(
      "invalid_argument",
      'standard input is empty: nothing to send (to send an empty message on purpose, give "" instead of -)',
    );
  }
  return text.replace(/\n$/, "");
}

/** `send`'s command line. */
export const command: CommandSpec = {
  name: "send",
  description: "send a message (a message of '-' is read from standard input)",
  arguments: [
    { name: "<channel>", description: "channel name" },
    { name: "<from>", description: "sender (agent) name" },
    { name: "<message...>", description: "message text; several words are joined with spaces" },
  ],
  options: [
    { flags: "--key <file>", description: "sender's private key (required in secure mode)" },
    {
      flags: "--dedupe-key <key>",
      description: "idempotency key: a repeat within 24 h returns the first id",
    },
  ],
  run,
};

/** Runs `send` and prints {"ok":true,"id":N,"channel":...,"signed":...,"duplicate":...}. */
export async function run(
  channel: string,
  from: string,
  words: string[],
  opts: SendOptions,
  globals: GlobalOptions,
) {
  const content = words.length === 1 && words[0] === "-" ? await messageFromStdin() : words.join(" ");
  const key = keyOf(opts.key);
  const r = await withBackend(globals, (b) =>
    b.send(
      { channel, sender: from, content, ...(opts.dedupeKey !== undefined ? { key: opts.dedupeKey } : {}) },
      key,
    ),
  );
  if (!Number.isSafeInteger(r.id)) throw new IpcError("internal", "server returned no message id");
  // The fields of POST /send's answer: the reference's four, then duplicate, true or false.
  const out = { ok: true, id: r.id, channel: r.channel, signed: r.signed, duplicate: r.duplicate };
  await writeOut(`${JSON.stringify(out)}\n`);
}

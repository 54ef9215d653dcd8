// `el-ipc send <channel> <from> <message...>`: store one message (a message of "-" is read from stdin).
import { IpcError } from "../../core/errors.js";
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, keyOf, withBackend } from "../context.js";
import { writeOut } from "../output.js";

/** Options of `send`. */
interface SendOptions {
  key?: string;
  dedupeKey?: string;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
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

/** Runs `send` and prints {"ok":true,"id":N,"channel":...,"signed":...}. */
export async function run(
  channel: string,
  from: string,
  words: string[],
  opts: SendOptions,
  globals: GlobalOptions,
) {
  // Like shell command substitution, one trailing newline of standard input is dropped.
  const content =
    words.length === 1 && words[0] === "-" ? (await readStdin()).replace(/\n$/, "") : words.join(" ");
  const key = keyOf(opts.key);
  const r = await withBackend(globals, (b) =>
    b.send(
      { channel, sender: from, content, ...(opts.dedupeKey !== undefined ? { key: opts.dedupeKey } : {}) },
      key,
    ),
  );
  if (!Number.isSafeInteger(r.id)) throw new IpcError("internal", "server returned no message id");
  const out: Record<string, unknown> = { ok: true, id: r.id, channel: r.channel, signed: r.signed };
  if (r.duplicate) out.duplicate = true;
  await writeOut(`${JSON.stringify(out)}\n`);
}

// `el-ipc ack <channel> <agent> <id>`: move a watermark forward after handling peeked messages.
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, keyOf, wholeNumber, withBackend } from "../context.js";
import { writeOut } from "../output.js";

/** `ack`'s command line. */
export const command: CommandSpec = {
  name: "ack",
  description: "acknowledge messages up to <id> (never moves the watermark back)",
  arguments: [
    { name: "<channel>", description: "channel name" },
    { name: "<agent>", description: "reading agent" },
    { name: "<id>", description: "highest message id handled", parse: wholeNumber("id") },
  ],
  options: [{ flags: "--key <file>", description: "reading agent's private key (required in secure mode)" }],
  run,
};

/** Runs `ack`. */
export async function run(
  channel: string,
  agent: string,
  id: number,
  opts: { key?: string },
  globals: GlobalOptions,
) {
  const key = keyOf(opts.key);
  const watermark = await withBackend(globals, (b) => b.ackTo(channel, agent, id, key));
  await writeOut(`${JSON.stringify({ ok: true, channel, agent, id, watermark })}\n`);
}

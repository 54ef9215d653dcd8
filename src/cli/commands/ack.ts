// `el-ipc ack <channel> <agent> <id>`: move a watermark forward after handling peeked messages.
import type { Command } from "commander";
import { intOption, keyOf, withBackend } from "../context.js";
import { writeOut } from "../output.js";

/** Adds `ack` to the program. */
export function define(program: Command): void {
  program
    .command("ack")
    .description("acknowledge messages up to <id> (never moves the watermark back)")
    .argument("<channel>", "channel name")
    .argument("<agent>", "reading agent")
    .argument("<id>", "highest message id handled", intOption("id"))
    .option("--key <file>", "reading agent's private key (required in secure mode)")
    .action(run);
}

/** Runs `ack`. */
export async function run(channel: string, agent: string, id: number, opts: { key?: string }, cmd: Command) {
  const key = keyOf(opts.key);
  await withBackend(cmd, (b) => b.ack(agent, [{ channel, id }], key));
  await writeOut(`${JSON.stringify({ ok: true, channel, agent, id })}\n`);
}

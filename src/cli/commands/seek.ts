// `el-ipc seek <channel> <agent> <id|start|end>`: moves a watermark anywhere, also back to re-read
// history; the agent's own key, or an operator's (--as) for another agent, in secure mode.
import { IpcError } from "../../core/errors.js";
import type { SeekTarget } from "../../core/types.js";
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, keyOf, withBackend } from "../context.js";
import { writeOut } from "../output.js";

/** Options of `seek`. */
interface SeekOptions {
  key?: string;
  as?: string;
}

/** Parses <id|start|end>. */
function seekTarget(value: string): SeekTarget {
  if (value === "start" || value === "end") return value;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new IpcError("invalid_argument", `<to> must be a message id, start or end, got '${value}'`);
  }
  return n;
}

/** `seek`'s command line. */
export const command: CommandSpec = {
  name: "seek",
  description: "move a watermark to a message id, the start or the end (also backwards, to re-read)",
  arguments: [
    { name: "<channel>", description: "channel name" },
    { name: "<agent>", description: "whose watermark moves" },
    { name: "<to>", description: "a message id (the last one read), start or end", parse: seekTarget },
  ],
  options: [
    { flags: "--key <file>", description: "the agent's private key, or the operator's with --as" },
    { flags: "--as <operator>", description: "an operator moving another agent's watermark" },
  ],
  run,
};

/** Runs `seek` and prints {"ok":true,"channel":...,"agent":...,"watermark":N}. */
export async function run(
  channel: string,
  agent: string,
  to: SeekTarget,
  opts: SeekOptions,
  globals: GlobalOptions,
) {
  const key = keyOf(opts.key);
  if (opts.as !== undefined && key === undefined) {
    throw new IpcError("invalid_argument", "--as needs --key: the operator's private key");
  }
  const proof = key ? { key, agent: opts.as ?? agent } : undefined;
  const watermark = await withBackend(globals, (b) => b.seek(channel, agent, to, proof));
  await writeOut(`${JSON.stringify({ ok: true, channel, agent, watermark })}\n`);
}

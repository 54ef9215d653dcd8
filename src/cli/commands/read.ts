// `el-ipc read <channel[,channel...]> <agent>`: print unread messages; with --wait, block until one arrives.
// The watermark moves only after the messages were written to stdout, so a reader killed earlier loses nothing.
import { parseChannelList } from "../../core/limits.js";
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, keyOf, wholeNumber, withBackend } from "../context.js";
import { printJson } from "../output.js";
import { untilSignal } from "../signals.js";

/** Options of `read`. */
interface ReadOptions {
  wait?: boolean;
  timeout?: number;
  peek?: boolean;
  limit?: number;
  key?: string;
}

/** `read`'s command line. */
export const command: CommandSpec = {
  name: "read",
  description: "read unread messages (several channels: a,b,c)",
  arguments: [
    { name: "<channel>", description: "channel name, or several separated by commas" },
    { name: "<agent>", description: "reading agent" },
  ],
  options: [
    { flags: "--wait", description: "block until at least one message is there" },
    {
      flags: "--timeout <seconds>",
      description: "with --wait: give up after this many seconds and print []",
      parse: wholeNumber("timeout"),
    },
    { flags: "--peek", description: "do not move the watermark (acknowledge later with ack)" },
    {
      flags: "--limit <n>",
      description: "at most this many messages (default 100, max 1000)",
      parse: wholeNumber("limit", 1000),
    },
    { flags: "--key <file>", description: "reading agent's private key (required in secure mode)" },
  ],
  run,
};

/** Runs `read`. */
export async function run(channelList: string, agent: string, opts: ReadOptions, globals: GlobalOptions) {
  const channels = parseChannelList(channelList);
  const key = keyOf(opts.key);
  await untilSignal(async (signal) => {
    await withBackend(globals, async (b) => {
      const messages = await b.read(
        {
          channels,
          agent,
          peek: true,
          wait: !!opts.wait,
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
          ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout * 1000 } : {}),
          signal,
        },
        key,
      );
      if (signal.aborted) return;
      await printJson(messages);
      if (!opts.peek && messages.length > 0) await b.ack(agent, messages, key);
    });
  });
}

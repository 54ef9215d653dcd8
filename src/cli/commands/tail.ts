// `el-ipc tail <channels> <agent>`: one JSON line per message as it arrives, forever. Each message is
// acknowledged only after its line was written (at least once); through a server, outages and restarts
// are waited out. A Claude Code plugin monitor turns each line into a notification.

import { parseChannelList } from "../../core/limits.js";
import type { Delivered } from "../../core/types.js";
import { isPassingFailure } from "../../sdk/http.js";
import type { Backend } from "../backend.js";
import type { CommandSpec } from "../command.js";
import { type GlobalOptions, keyOf, withBackend } from "../context.js";
import { writeOut } from "../output.js";
import { untilSignal } from "../signals.js";

/** Longest wait of one poll, in ms. */
const POLL_MS = 60_000;
/** Messages fetched per poll. */
const PAGE = 100;
/** First pause before an acknowledgement is tried again, in ms; doubles up to ACK_RETRY_MAX_MS. */
const ACK_RETRY_MS = 250;
const ACK_RETRY_MAX_MS = 5_000;

/** `tail`'s command line. */
export const command: CommandSpec = {
  name: "tail",
  description: "print one JSON line per message as it arrives, forever (acknowledged once printed)",
  arguments: [
    { name: "<channel>", description: "channel name, or several separated by commas" },
    { name: "<agent>", description: "reading agent" },
  ],
  options: [{ flags: "--key <file>", description: "reading agent's private key (required in secure mode)" }],
  run,
};

/** Acknowledges `m`, trying again while the server is away; gives up only when aborted. */
async function ackPrinted(
  b: Backend,
  agent: string,
  m: Delivered,
  key: Parameters<Backend["ack"]>[2],
  signal: AbortSignal,
) {
  let delay = ACK_RETRY_MS;
  for (;;) {
    try {
      return await b.ack(agent, [m], key);
    } catch (e) {
      if (!isPassingFailure(e) || signal.aborted) throw e;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, ACK_RETRY_MAX_MS);
    }
  }
}

/** Runs `tail` until a signal or a refusal (bad key, revoked, forbidden) ends it. */
export async function run(
  channelList: string,
  agent: string,
  opts: { key?: string },
  globals: GlobalOptions,
) {
  const channels = parseChannelList(channelList);
  const key = keyOf(opts.key);
  await untilSignal(async (signal) => {
    await withBackend(globals, async (b) => {
      while (!signal.aborted) {
        const found = await b.read(
          { channels, agent, peek: true, wait: true, limit: PAGE, timeoutMs: POLL_MS, signal },
          key,
        );
        for (const m of found) {
          if (signal.aborted) return;
          await writeOut(`${JSON.stringify(m)}\n`);
          await ackPrinted(b, agent, m, key, signal);
        }
      }
    });
  });
}

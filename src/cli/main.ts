#!/usr/bin/env node
// el-ipc command line: parses arguments and runs one command. Commands load what they need lazily, so
// `send` and `read` never load the HTTP framework.
import { Command, CommanderError } from "commander";
import { VERSION } from "../core/version.js";
import * as ack from "./commands/ack.js";
import * as agentCard from "./commands/agent-card.js";
import * as agents from "./commands/agents.js";
import * as channels from "./commands/channels.js";
import * as deny from "./commands/deny.js";
import * as grant from "./commands/grant.js";
import * as keygen from "./commands/keygen.js";
import * as read from "./commands/read.js";
import * as register from "./commands/register.js";
import * as revoke from "./commands/revoke.js";
import * as rotate from "./commands/rotate.js";
import * as seed from "./commands/seed.js";
import * as send from "./commands/send.js";
import * as sendBatch from "./commands/send-batch.js";
import * as serve from "./commands/serve.js";
import { EXIT_USAGE, fail } from "./output.js";

const program = new Command("el-ipc")
  .description("Message queue for AI coding agents: channels, per-agent watermarks, Ed25519 identity")
  .version(VERSION)
  .option("--db <path>", "SQLite database (default IPC_DB_PATH or ~/.local/share/el-ipc/ipc.db)")
  .option("--server <url>", "use this el-ipc server over HTTP instead of the database (default IPC_URL)")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

for (const c of [
  serve,
  send,
  sendBatch,
  read,
  ack,
  channels,
  seed,
  keygen,
  register,
  revoke,
  rotate,
  grant,
  deny,
  agents,
  agentCard,
])
  c.define(program);
for (const c of program.commands)
  c.showHelpAfterError(`usage: el-ipc ${c.name()} ${c.usage()}`).exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    const ok =
      e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help";
    process.exit(ok ? 0 : EXIT_USAGE);
  }
  fail(e);
}

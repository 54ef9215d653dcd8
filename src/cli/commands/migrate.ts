// `el-ipc migrate --from <db> --to <db>`: copies a whole deployment between stores (a SQLite file and a
// PostgreSQL URL, either way), resumable, verified by counts and a checksum.
import { resolveConfig } from "../../config.js";
import { IpcError } from "../../core/errors.js";
import type { CommandSpec } from "../command.js";
import { printJson } from "../output.js";
import { SIGNAL_EXIT } from "../signals.js";

/** `migrate`'s command line. */
export const command: CommandSpec = {
  name: "migrate",
  description:
    "copy every message, watermark, agent, key event, access rule and token from one database to another (ids kept; resumable; verified)",
  options: [
    {
      flags: "--from <db>",
      description: "source: a SQLite file or a postgres:// URL (left untouched)",
      required: true,
    },
    {
      flags: "--to <db>",
      description: "target: a SQLite file or a postgres:// URL (empty, or a copy that stopped)",
      required: true,
    },
  ],
  run,
};

/** Runs `migrate`. */
export async function run(opts: { from?: string; to?: string }) {
  if (!opts.from || !opts.to) {
    throw new IpcError(
      "invalid_argument",
      "migrate needs --from <db> and --to <db> (a SQLite file or a postgres:// URL)",
    );
  }
  const from = resolveConfig({ db: opts.from }, {}).store;
  const to = resolveConfig({ db: opts.to }, {}).store;
  const { migrateStore } = await import("../../store/migrate.js");
  const tty = process.stderr.isTTY === true;
  // Interrupted (Ctrl-C, a stop): say how far it got and that the same command resumes it.
  let copied: { done: number; total: number } | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    const where = copied ? ` after ${copied.done} of ${copied.total} messages` : "";
    process.stderr.write(
      `${tty ? "\n" : ""}el-ipc: migrate interrupted${where}; run the same command again to resume\n`,
    );
    process.exit(SIGNAL_EXIT[sig] ?? 1);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const r = await migrateStore(from, to, {
    onProgress: (done, total) => {
      copied = { done, total };
      if (!tty) return;
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      process.stderr.write(
        `\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} messages`,
      );
    },
  });
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  if (tty) process.stderr.write("\n");
  await printJson({ ok: true, ...r });
}

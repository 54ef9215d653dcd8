// `el-ipc import <path>`: adopt another database (the reference's /tmp/el-ipc.db) into this el-ipc's
// database: copied and migrated, the source left as it is.
import { IpcError } from "../../core/errors.js";
import type { CommandSpec } from "../command.js";
import { configOf, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

/** `import`'s command line. */
export const command: CommandSpec = {
  name: "import",
  description: "copy a database (e.g. the reference's /tmp/el-ipc.db) into an empty local one and migrate it",
  arguments: [{ name: "<path>", description: "the database to adopt (left untouched)" }],
  run,
};

/** Runs `import`. Local only: it writes the database file on this machine. */
export async function run(path: string, _opts: unknown, globals: GlobalOptions) {
  const config = configOf(globals);
  if (config.serverUrl) {
    throw new IpcError(
      "invalid_argument",
      `import works only on a local database, but a server is configured (${config.serverUrl}, from IPC_URL or --server): run it without IPC_URL`,
    );
  }
  const { importDatabase } = await import("../../store/import.js");
  const r = await importDatabase(path, config.store);
  await printJson({ ok: true, from: path, into: config.database, messages: r.messages, agents: r.agents });
}

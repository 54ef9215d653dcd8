// `el-ipc dashboard --as <operator> --key <file> [--server <url>]`: asks the server for a one-time sign-in
// code (a request signed by the operator) and prints the link that opens the dashboard. The code works
// once, within a minute; the session it opens lasts an hour. Sessions live in the server, so this needs one.

import { IpcError } from "../../core/errors.js";
import { createHttpClient } from "../../sdk/http.js";
import type { CommandSpec } from "../command.js";
import { callerProof, configOf, type GlobalOptions } from "../context.js";
import { writeOut } from "../output.js";

/** `dashboard`'s command line. */
export const command: CommandSpec = {
  name: "dashboard",
  description: "print a one-time sign-in link to the server's web dashboard (/ui), as an operator",
  options: [
    { flags: "--as <operator>", description: "the operator signing in" },
    { flags: "--key <file>", description: "the operator's private key (default IPC_KEY)" },
    { flags: "--json", description: "print the code, link and expiry as JSON" },
  ],
  run,
};

/** Runs `dashboard`. */
export async function run(opts: { as?: string; key?: string; json?: boolean }, globals: GlobalOptions) {
  const config = configOf(globals);
  // Sessions are kept by the server process: without --server or IPC_URL, the local one on IPC_PORT.
  const base = (config.serverUrl ?? `http://127.0.0.1:${config.port}`).replace(/\/+$/, "");
  const proof = callerProof(opts);
  if (!proof && !config.apiKey) {
    throw new IpcError(
      "invalid_argument",
      "el-ipc dashboard signs in as an operator: pass --as <operator> --key <file> (or set IPC_API_KEY on a server without operators)",
    );
  }
  const client = createHttpClient({ baseUrl: base, ...(config.apiKey ? { apiKey: config.apiKey } : {}) });
  const r = await client.dashboardCode(proof);
  const url = `${base}${r.path}`;
  if (opts.json) {
    await writeOut(`${JSON.stringify({ ok: true, url, code: r.code, expires_at: r.expires_at })}\n`);
    return;
  }
  const seconds = Math.max(0, Math.round(r.expires_at - Date.now() / 1000));
  await writeOut(`${url}\nOpen it within ${seconds} s; it works once.\n`);
}

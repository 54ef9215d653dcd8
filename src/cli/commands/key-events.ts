// `el-ipc key-events <name> [--json]`: an identity's key history (rotations and its revocation).

import type { KeyEventInfo } from "../../core/types.js";
import { parsePublicKey, rawPublicKey } from "../../crypto/keys.js";
import type { CommandSpec } from "../command.js";
import {
  type CallerOptions,
  callerOptionSpecs,
  callerProof,
  type GlobalOptions,
  withBackend,
} from "../context.js";
import { isoSeconds, printJson, writeOut } from "../output.js";

/** `key-events`'s command line. */
export const command: CommandSpec = {
  name: "key-events",
  description: "list an agent's key rotations and revocation (operators only on a secure server)",
  arguments: [{ name: "<name>", description: "the agent or operator" }],
  options: [{ flags: "--json", description: "print JSON" }, ...callerOptionSpecs("operator")],
  run,
};

/** A public key on one line: the base64 of its 32 raw Ed25519 bytes ("?" when it does not parse). */
function shortKey(pem: string | null): string {
  if (pem === null) return "none";
  try {
    return rawPublicKey(parsePublicKey(pem)).toString("base64");
  } catch {
    return "?";
  }
}

/** One text line per event: what, whose, by whom, when, and the keys involved. */
export function formatKeyEvents(events: KeyEventInfo[]): string {
  return events
    .map((e) => {
      const keys =
        e.event === "rotate"
          ? `key ${shortKey(e.previous_key)} -> ${shortKey(e.public_key)}`
          : `key ${shortKey(e.previous_key)} revoked`;
      return `  ${e.event.padEnd(6)} ${e.name}  by ${e.by} at ${isoSeconds(e.at)}  (${keys})\n`;
    })
    .join("");
}

/** Runs `key-events`: one line per event, or the JSON array with --json. */
export async function run(name: string, opts: { json?: boolean } & CallerOptions, globals: GlobalOptions) {
  const proof = callerProof(opts);
  const events = await withBackend(globals, (b) => b.keyEvents(proof, name));
  if (opts.json) return printJson(events);
  if (events.length === 0) return writeOut(`No key events for ${name} (its key never changed)\n`);
  return writeOut(formatKeyEvents(events));
}

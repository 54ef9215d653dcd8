// `el-ipc keygen [--out <prefix>] [--force]`: make an Ed25519 key pair (PEM), private file mode 0600.
import { writeFileSync } from "node:fs";
import { IpcError } from "../../core/errors.js";
import { generateKeyPair } from "../../crypto/keys.js";
import type { CommandSpec } from "../command.js";
import { writeOut } from "../output.js";

/** `keygen`'s command line. */
export const command: CommandSpec = {
  name: "keygen",
  description: "generate an Ed25519 key pair",
  options: [
    {
      flags: "--out <prefix>",
      description: "write <prefix>.key (mode 0600) and <prefix>.pub instead of printing",
    },
    { flags: "--force", description: "overwrite existing key files" },
  ],
  run,
};

function writeNew(path: string, text: string, mode: number, force: boolean): void {
  try {
    writeFileSync(path, text, { mode, flag: force ? "w" : "wx" });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST")
      throw new IpcError("conflict", `${path} exists; not overwriting a key without --force`);
    throw new IpcError("invalid_argument", `cannot write ${path}: ${code ?? "error"}`);
  }
}

/** Runs `keygen`. */
export async function run(opts: { out?: string; force?: boolean }) {
  const pair = generateKeyPair();
  if (!opts.out) {
    process.stderr.write("--- PRIVATE KEY ---\n");
    await writeOut(`${pair.privateKey}\n`);
    process.stderr.write("--- PUBLIC KEY ---\n");
    await writeOut(`${pair.publicKey}\n`);
    return;
  }
  const keyPath = `${opts.out}.key`;
  const pubPath = `${opts.out}.pub`;
  if (!opts.force) {
    // Check both before writing either, so a refusal leaves nothing half-written.
    writeNew(`${keyPath}`, pair.privateKey, 0o600, false);
    try {
      writeNew(pubPath, pair.publicKey, 0o644, false);
    } catch (e) {
      const { rmSync } = await import("node:fs");
      rmSync(keyPath, { force: true });
      throw e;
    }
  } else {
    writeNew(keyPath, pair.privateKey, 0o600, true);
    const { chmodSync } = await import("node:fs");
    chmodSync(keyPath, 0o600);
    writeNew(pubPath, pair.publicKey, 0o644, true);
  }
  process.stderr.write(`[ipc] Private key: ${keyPath} (chmod 600)\n[ipc] Public key:  ${pubPath}\n`);
}

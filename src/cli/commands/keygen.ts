// `el-ipc keygen [--out <prefix>] [--force]`: make an Ed25519 key pair (PEM), private file mode 0600.
import { generateKeyPair } from "../../crypto/keys.js";
import type { CommandSpec } from "../command.js";
import { writeOut } from "../output.js";
import { writePrivateFile } from "../private-file.js";

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
  // Without --force both are checked before either is kept, so a refusal leaves nothing half-written.
  writePrivateFile(keyPath, pair.privateKey, 0o600, opts.force === true);
  try {
    writePrivateFile(pubPath, pair.publicKey, 0o644, opts.force === true);
  } catch (e) {
    if (!opts.force) {
      const { rmSync } = await import("node:fs");
      rmSync(keyPath, { force: true });
    }
    throw e;
  }
  process.stderr.write(`[ipc] Private key: ${keyPath} (chmod 600)\n[ipc] Public key:  ${pubPath}\n`);
}

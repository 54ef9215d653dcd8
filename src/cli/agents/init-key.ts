// The agent key `init` configures: the one given, else one kept in el-ipc's data folder, made (0600) when
// it does not exist yet; and, given an operator's key, the agent's registration.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { signRegistration } from "../../client/sign.js";
import { defaultDbPath } from "../../config.js";
import { IpcError } from "../../core/errors.js";
import { generateKeyPair, publicPemOf } from "../../crypto/keys.js";
import type { Backend } from "../backend.js";
import { loadPrivateKeyFile } from "../keyfile.js";
import { writePrivateFile } from "../private-file.js";

/** Where init keeps an agent's key when none is given: <data folder>/keys/<agent>.key. */
export function defaultKeyPath(agent: string, env: NodeJS.ProcessEnv): string {
  // A name that is not a plain file name (a "/" or "..") is stored under its hash instead.
  const file =
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(agent) && !agent.includes("..")
      ? agent
      : `agent-${createHash("sha256").update(agent).digest("hex").slice(0, 16)}`;
  return join(dirname(defaultDbPath(env)), "keys", `${file}.key`);
}

/** What ensureKey found or did. */
export interface KeyOutcome {
  path: string;
  created: boolean;
}

/** The absolute key path; the key pair is made there (0600 / 0644 .pub) when missing, unless `dryRun`. */
export function ensureKey(path: string, dryRun: boolean): KeyOutcome {
  const abs = resolve(path);
  if (existsSync(abs)) {
    loadPrivateKeyFile(abs); // Refuses a public key, a key others can read, a file that is not a key.
    return { path: realpathSync(abs), created: false };
  }
  if (dryRun) return { path: abs, created: true };
  mkdirSync(dirname(abs), { recursive: true, mode: 0o700 });
  const pair = generateKeyPair();
  writePrivateFile(abs, pair.privateKey, 0o600, false);
  const pub = abs.endsWith(".key") ? `${abs.slice(0, -4)}.pub` : `${abs}.pub`;
  if (!existsSync(pub)) writePrivateFile(pub, pair.publicKey, 0o644, false);
  return { path: abs, created: true };
}

/**
 * Registers `agent` with the key at `keyPath`, signed by `operator`'s key; a name already registered is
 * fine when `keyPath` is its key (checked with a peek at its inbox). Says what happened.
 */
export async function ensureRegistered(
  b: Backend,
  agent: string,
  keyPath: string,
  operator: string,
  operatorKeyPath: string,
): Promise<string> {
  const agentKey = loadPrivateKeyFile(keyPath);
  const body = signRegistration(loadPrivateKeyFile(operatorKeyPath), {
    operator,
    name: agent,
    identity: "",
    publicKey: publicPemOf(agentKey),
  });
  try {
    await b.register(body);
    return `registered ${agent} (signed by ${operator})`;
  } catch (e) {
    if (!(e instanceof IpcError) || e.code !== "conflict") throw e;
  }
  try {
    await b.read({ channels: [`@${agent}`], agent, peek: true, wait: false, limit: 1 }, agentKey);
  } catch (e) {
    if (e instanceof IpcError && ["unauthorized", "forbidden", "bad_signature"].includes(e.code)) {
      throw new IpcError(
        "conflict",
        `${agent} is registered with another key than ${keyPath} (${e.message}); give its key with --key, or rotate it (el-ipc rotate)`,
      );
    }
    throw e;
  }
  return `${agent} was registered already, with this key`;
}

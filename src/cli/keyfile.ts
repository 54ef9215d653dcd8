// Reads key files given with --key / --pubkey, refusing private keys that other users can read (as ssh does).

import type { KeyObject } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { IpcError } from "../core/errors.js";
import { parsePrivateKey } from "../crypto/keys.js";

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new IpcError(
      "invalid_argument",
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
}

/** Loads a PEM private key; refuses a file readable by group or others. */
export function loadPrivateKeyFile(path: string): KeyObject {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    throw new IpcError(
      "invalid_argument",
      `cannot read key file ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new IpcError(
      "forbidden",
      `key file ${path} is readable by other users (mode ${(mode & 0o777).toString(8)}); fix it with: chmod 600 ${path}`,
    );
  }
  const text = readText(path, "key file");
  try {
    return parsePrivateKey(text);
  } catch {
    throw new IpcError("invalid_argument", `${path} is not an Ed25519 private key in PEM (PKCS8) form`);
  }
}

/** Loads a PEM public key file as text. */
export function loadPublicKeyFile(path: string): string {
  return readText(path, "public key file").trim();
}

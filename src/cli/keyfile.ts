// Reads key files given with --key / --pubkey: a private key where a public one belongs (and the reverse) is
// refused by its contents before anything is sent, and private keys others can read are refused (as ssh does).

import type { KeyObject } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { IpcError } from "../core/errors.js";
import { parsePrivateKey, parsePublicKey } from "../crypto/keys.js";

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

/** `herald.key` -> `herald.pub` (keygen's pair), or a description when the name does not follow it. */
function sibling(path: string, from: string, to: string): string {
  return path.endsWith(from)
    ? `${path.slice(0, -from.length)}${to}`
    : `the ${to} file keygen wrote beside it`;
}

const PRIVATE_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const PUBLIC_PEM = /-----BEGIN PUBLIC KEY-----/;

/** Loads a PEM private key; refuses a public key (by its contents) and a file readable by group or others. */
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
  // Contents first: a public key readable by everyone is fine, and its mode is not what is wrong.
  const text = readText(path, "key file");
  if (PUBLIC_PEM.test(text) && !PRIVATE_PEM.test(text)) {
    throw new IpcError(
      "invalid_argument",
      `${path} is a public key; --key takes the private key, ${sibling(path, ".pub", ".key")}`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new IpcError(
      "forbidden",
      `key file ${path} is readable by other users (mode ${(mode & 0o777).toString(8)}); fix it with: chmod 600 ${path}`,
    );
  }
  try {
    return parsePrivateKey(text);
  } catch {
    throw new IpcError("invalid_argument", `${path} is not an Ed25519 private key in PEM (PKCS8) form`);
  }
}

/**
 * Loads a PEM public key file as text, checked here: a private key is refused before anything is sent or
 * stored (it must never leave the machine), and so is a key the server would refuse (weak, not Ed25519).
 */
export function loadPublicKeyFile(path: string): string {
  const text = readText(path, "public key file").trim();
  if (PRIVATE_PEM.test(text)) {
    throw new IpcError(
      "invalid_argument",
      `${path} is a private key; give the public key, ${sibling(path, ".key", ".pub")}`,
    );
  }
  try {
    parsePublicKey(text);
  } catch (e) {
    const why = e instanceof IpcError && e.message.startsWith("public key refused") ? `: ${e.message}` : "";
    throw new IpcError(
      "invalid_argument",
      `${path} is not a usable Ed25519 public key in PEM (SPKI) form${why}`,
    );
  }
  return text;
}

// Writes key files without ever following a symlink: a temporary file made O_EXCL|O_NOFOLLOW in the same
// folder, fsynced, then renamed over the old name (a planted symlink is replaced, never written through).
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { IpcError } from "../core/errors.js";

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY } = constants;
const NEW_FILE = O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY;

function failure(path: string, e: unknown): IpcError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EEXIST")
    return new IpcError("conflict", `${path} exists; not overwriting a key without --force`);
  return new IpcError("invalid_argument", `cannot write ${path}: ${code ?? "error"}`);
}

/** Writes `text` into a new file at `path` with exactly `mode` (whatever the umask), fsynced; `fd` is closed. */
function fill(fd: number, text: string, mode: number): void {
  try {
    fchmodSync(fd, mode);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `text` to `path` with mode `mode` exactly. Without `force` an existing `path` (also a symlink, even
 * a dangling one) is refused; with it a temporary file replaces `path` by rename, so a symlink planted at
 * `path` is replaced and its target is never opened.
 */
export function writePrivateFile(path: string, text: string, mode: number, force: boolean): void {
  if (!force) {
    let fd: number;
    try {
      fd = openSync(path, NEW_FILE, 0o600);
    } catch (e) {
      throw failure(path, e);
    }
    try {
      fill(fd, text, mode);
    } catch (e) {
      rmSync(path, { force: true });
      throw failure(path, e);
    }
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    fill(openSync(tmp, NEW_FILE, 0o600), text, mode);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw failure(path, e);
  }
}

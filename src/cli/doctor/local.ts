// Doctor's checks of the local files: the database (path, modes of it and its folders, WAL, integrity,
// secure mode) and a private key (its mode, and that it is the key registered for its identity).
import { createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parsePrivateKey, parsePublicKey, samePublicKey } from "../../crypto/keys.js";
import { type DatabaseReport, inspectDatabase } from "../../store/sqlite/inspect.js";
import { type CheckResult, failed, pass, warn } from "./check.js";

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(3, "0");

/** The database file's own modes and those of -wal and -shm: others must not write (nor read) them. */
function fileModes(path: string): CheckResult {
  const writable: string[] = [];
  const readable: string[] = [];
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    const st = statSync(file, { throwIfNoEntry: false });
    if (!st) continue;
    if ((st.mode & 0o022) !== 0) writable.push(`${file} (${octal(st.mode)})`);
    else if ((st.mode & 0o044) !== 0) readable.push(`${file} (${octal(st.mode)})`);
  }
  const files = (list: string[]) => list.map((f) => f.slice(0, f.lastIndexOf(" ("))).join(" ");
  if (writable.length > 0) {
    return failed(
      "database permissions",
      `others can write ${writable.join(", ")}: they could forge messages, keys and watermarks (a secure server refuses to start)`,
      `chmod 600 ${files(writable)}`,
    );
  }
  if (readable.length > 0) {
    return warn(
      "database permissions",
      `others can read ${readable.join(", ")}: every message and watermark`,
      `chmod 600 ${files(readable)}`,
    );
  }
  return pass("database permissions", "only the owner reads and writes the database files");
}

/** The folders above the database: none may let others replace the file (writable without the sticky bit). */
function folderModes(path: string): CheckResult {
  const open: string[] = [];
  let dir = dirname(resolve(path));
  for (;;) {
    const st = statSync(dir, { throwIfNoEntry: false });
    // The database's own folder must not be writable by others at all; above it, only sticky folders (/tmp).
    const own = dir === dirname(resolve(path));
    if (st && (st.mode & 0o022) !== 0 && (own || (st.mode & 0o1000) === 0))
      open.push(`${dir} (${octal(st.mode)})`);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (open.length === 0) return pass("database folders", `no folder above ${path} lets others replace it`);
  const dirs = open.map((d) => d.slice(0, d.lastIndexOf(" (")));
  return failed(
    "database folders",
    `others can write ${open.join(", ")}: they could replace the database`,
    `chmod go-w ${dirs.join(" ")} (or move the database: IPC_DB_PATH, --db)`,
  );
}

/** The database checks; `report` is what they learned, for the key check (undefined when unreadable). */
export function checkDatabase(path: string): { results: CheckResult[]; report?: DatabaseReport } {
  if (path === ":memory:")
    return { results: [warn("database", "in memory: nothing is kept", "set IPC_DB_PATH")] };
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) {
    return {
      results: [
        failed(
          "database",
          `no database at ${path}`,
          "give the one your agents use (--db, IPC_DB_PATH); el-ipc serve or el-ipc seed creates it",
        ),
      ],
    };
  }
  const results: CheckResult[] = [pass("database", path), fileModes(path), folderModes(path)];
  let report: DatabaseReport;
  try {
    report = inspectDatabase(path);
  } catch (e) {
    results.push(
      failed(
        "database file",
        `cannot read ${path}: ${(e as Error).message}`,
        "check the path and its owner; restore a backup",
      ),
    );
    return { results };
  }
  results.push(
    report.journalMode === "wal"
      ? pass("WAL", "journal_mode is wal (readers beside one writer, crash-safe)")
      : failed(
          "WAL",
          `journal_mode is ${report.journalMode}`,
          "run el-ipc serve or el-ipc channels once: el-ipc sets WAL when it opens the database",
        ),
  );
  results.push(
    report.integrity.length === 1 && report.integrity[0] === "ok"
      ? pass("integrity", "PRAGMA quick_check: ok")
      : failed(
          "integrity",
          `PRAGMA quick_check: ${report.integrity.slice(0, 3).join("; ")}`,
          `stop every el-ipc process, then restore a backup or run: sqlite3 ${path} ".recover" | sqlite3 recovered.db`,
        ),
  );
  const operators = report.identities.filter((i) => i.role === "operator" && !i.revoked).map((i) => i.name);
  const agents = report.identities.filter((i) => i.role !== "operator" && !i.revoked).length;
  results.push(
    operators.length > 0
      ? pass(
          "secure mode",
          `on: ${operators.length} operator(s) (${operators.slice(0, 5).join(", ")}), ${agents} agent(s)`,
        )
      : warn(
          "secure mode",
          "off (open mode): whoever reaches the database or the server acts as any agent",
          "el-ipc seed <operator-name> (keep the key it prints, mode 0600)",
        ),
  );
  return { results, report };
}

/** The key file's mode and whether it is the registered key of `as` (or of whichever identity has it). */
export function checkKey(
  file: string,
  report: DatabaseReport | undefined,
  as: string | undefined,
): CheckResult[] {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st)
    return [
      failed("key file", `no file at ${file}`, "give the private key keygen or seed wrote (--key, IPC_KEY)"),
    ];
  const results: CheckResult[] = [];
  results.push(
    (st.mode & 0o077) !== 0
      ? failed(
          "key file permissions",
          `${file} is mode ${octal(st.mode)}: others can read the private key (el-ipc refuses it)`,
          `chmod 600 ${file}`,
        )
      : pass("key file permissions", `${file} is mode ${octal(st.mode)}`),
  );
  let key: KeyObject;
  try {
    key = parsePrivateKey(readFileSync(file, "utf8"));
  } catch {
    results.push(
      failed(
        "key",
        `${file} is not an Ed25519 private key in PEM (PKCS8) form`,
        "give the .key file keygen wrote, not the .pub",
      ),
    );
    return results;
  }
  if (!report) return results;
  const pub = createPublicKey(key);
  const holder = report.identities.find((i) => {
    try {
      return samePublicKey(parsePublicKey(i.publicKey), pub);
    } catch {
      return false;
    }
  });
  const register = `el-ipc register ${as ?? "<name>"} --pubkey <its .pub> --as <operator> --key <operator.key>, or el-ipc rotate`;
  if (!holder) {
    const named = as ? report.identities.find((i) => i.name === as) : undefined;
    return [
      ...results,
      failed(
        "key",
        named
          ? `${file} is not ${as}'s registered key (another key is registered for ${as})`
          : `${file} is no registered identity's key`,
        named
          ? `use ${as}'s own key file, or have an operator rotate ${as} to this key (el-ipc rotate)`
          : register,
      ),
    ];
  }
  if (as && holder.name !== as) {
    return [
      ...results,
      failed(
        "key",
        `${file} is ${holder.name}'s key, not ${as}'s`,
        `use ${as}'s key file, or --as ${holder.name}`,
      ),
    ];
  }
  if (holder.revoked) {
    return [
      ...results,
      failed(
        "key",
        `${file} is the key of ${holder.name}, which was revoked`,
        "an operator registers a new identity (revocation is final)",
      ),
    ];
  }
  return [...results, pass("key", `${file} is the registered key of ${holder.role} ${holder.name}`)];
}

// Test fixtures: temp folders, private copies of the reference implementation's compat files, a manual clock.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder holding package.json, found by walking up from this compiled file. */
export const REPO_ROOT: string = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

function findRepoRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
}

/** The compat fixtures the reference implementation made, checked in (see its README). */
export const COMPAT_DIR: string = resolve(REPO_ROOT, "test", "fixtures", "compat");

/** A temp folder removed by cleanup(). */
export interface TempDir {
  dir: string;
  /** A path inside the folder. */
  path(...parts: string[]): string;
  cleanup(): void;
}

/** Creates a private temp folder. */
export function makeTempDir(prefix = "el-ipc-test-"): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (...parts) => join(dir, ...parts),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The text of a compat file. */
export function compatText(name: string): string {
  return readFileSync(join(COMPAT_DIR, name), "utf8");
}

/** A compat JSON file, parsed. */
export function compatJson<T = unknown>(name: string): T {
  return JSON.parse(compatText(name)) as T;
}

/**
 * Copies a compat file into `dir` with mode 0600 (the originals are read-only and may be world-readable,
 * which key loading refuses). Returns the copy's path.
 */
export function copyCompat(name: string, dir: string, as: string = name): string {
  const to = join(dir, as);
  copyFileSync(join(COMPAT_DIR, name), to);
  chmodSync(to, 0o600);
  return to;
}

/** A clock the test moves by hand. */
export interface ManualClock {
  /** Current Unix ms; pass as `clock` to the code under test. */
  now: () => number;
  /** Moves the clock forward (or back, with a negative value). */
  advance(ms: number): void;
  set(ms: number): void;
}

/** Creates a manual clock starting at `start` Unix ms. */
export function createManualClock(start = 1_800_000_000_000): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}

/** Settles with "timeout" after `ms` unless `p` settles first (then the timer is cleared). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((r) => {
    timer = setTimeout(() => r("timeout"), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A folder at `dir` holding bash and nothing else, for a PATH with no node, no el-ipc and no coreutils. */
export function bashOnlyPath(dir: string): string {
  mkdirSync(dir);
  symlinkSync("/bin/bash", join(dir, "bash"));
  return dir;
}

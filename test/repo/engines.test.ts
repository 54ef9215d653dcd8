// Every package that `npm ci` installs accepts the running Node (20 and 22 are supported), so an install
// prints no engine warning and nothing in the tree needs a newer Node than ours.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import semver from "semver";
import { REPO_ROOT } from "../helpers/fixtures.js";

interface LockEntry {
  version?: string;
  hasInstallScript?: boolean;
  engines?: { node?: string } | string[];
  dev?: boolean;
  optional?: boolean;
}

describe("the dependency tree and Node's version", () => {
  it("no locked package wants a Node other than the supported ones", () => {
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, LockEntry>;
    };
    const own = (lock.packages[""]?.engines as { node?: string } | undefined)?.node;
    assert.equal(own, ">=20");
    const refused: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === "" || Array.isArray(entry.engines)) continue;
      const range = entry.engines?.node;
      if (range === undefined) continue;
      for (const node of [process.versions.node, "20.19.0", "22.12.0"]) {
        if (!semver.satisfies(node, range))
          refused.push(`${path}@${entry.version}: node ${range} (not ${node})`);
      }
    }
    assert.deepEqual(refused, []);
  });

  it("package.json's allowScripts names every locked package with an install script (npm 11 asks otherwise)", () => {
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, LockEntry>;
    };
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      allowScripts?: Record<string, boolean>;
    };
    const withScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== "" && entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length))
      .sort();
    assert.ok(withScripts.includes("better-sqlite3"), "the lock lists install scripts (sanity check)");
    // Name-only entries: the lock's integrity hashes already fix which version runs.
    assert.deepEqual(Object.keys(pkg.allowScripts ?? {}).sort(), withScripts);
    assert.ok(Object.values(pkg.allowScripts ?? {}).every((v) => v === true));
  });
});

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
});

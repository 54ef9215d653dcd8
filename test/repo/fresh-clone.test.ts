// A fresh clone tests itself: the compat fixtures are checked in (nothing is read from beside the
// repository), and `npm test` ends with the failures and their errors, then the totals CI reads.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import { COMPAT_DIR, makeTempDir, REPO_ROOT } from "../helpers/fixtures.js";

/** Source files of the tests, benchmarks and scripts (not their build output). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name === "fixtures"
        ? []
        : sources(join(dir, e.name))
      : /\.(ts|mjs|js)$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

describe("a fresh clone", () => {
  it("keeps the compat fixtures inside the repository, tracked by git and unchanged", (t) => {
    assert.equal(relative(REPO_ROOT, COMPAT_DIR), join("test", "fixtures", "compat"));
    const sums = readFileSync(join(COMPAT_DIR, "SHA256SUMS"), "utf8").trim().split("\n");
    assert.ok(sums.length >= 9);
    for (const line of sums) {
      const [sum, name] = line.split(/\s+/) as [string, string];
      const bytes = readFileSync(join(COMPAT_DIR, name));
      assert.equal(createHash("sha256").update(bytes).digest("hex"), sum, name);
    }
    if (!existsSync(join(REPO_ROOT, ".git"))) return t.skip("not a git checkout");
    const names = ["README.md", "SHA256SUMS", ...sums.map((l) => l.split(/\s+/)[1] as string)];
    const r = spawnSync("git", ["ls-files", "--error-unmatch", ...names], {
      cwd: COMPAT_DIR,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, `fixtures not tracked by git (.gitignore?): ${r.stderr}`);
  });

  it("reads nothing from beside the repository", () => {
    const outside = ["..", "shared"].join("/");
    for (const dir of ["test", "bench", "scripts"]) {
      for (const file of sources(join(REPO_ROOT, dir))) {
        assert.ok(
          !readFileSync(file, "utf8").includes(outside),
          `${relative(REPO_ROOT, file)} reads ${outside}`,
        );
      }
    }
  });
});

describe("npm test's report", () => {
  const tmp = makeTempDir("el-ipc-runner-");
  after(() => tmp.cleanup());
  mkdirSync(tmp.path("test", "x"), { recursive: true });
  const many = Array.from({ length: 300 }, (_, i) => `test("passes ${i}", () => {});`).join("\n");
  writeFileSync(
    tmp.path("test", "x", "a.test.js"),
    [
      'import assert from "node:assert/strict";',
      'import { describe, it, test } from "node:test";',
      many,
      'describe("outer", () => { it("compares", () => { assert.equal(1 + 1, 3, "sum is wrong"); }); });',
      'console.log("noise from a test");',
    ].join("\n"),
  );
  writeFileSync(tmp.path("test", "x", "b.test.js"), 'throw new Error("cannot load this file");\n');
  writeFileSync(
    tmp.path("test", "x", "c.test.js"),
    'import { test } from "node:test"; test("ok", () => {});\n',
  );

  function run(...filter: string[]) {
    const env: NodeJS.ProcessEnv = { ...process.env, EL_IPC_OUT: tmp.dir };
    delete env.NODE_TEST_CONTEXT; // this file runs under node --test; the run below must be its own
    return spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "test.mjs"), ...filter], {
      cwd: REPO_ROOT,
      env,
      encoding: "utf8",
    });
  }

  it("ends with each failure and its error, then node's totals, and exits non-zero", () => {
    const r = run();
    assert.equal(r.status, 1, r.stderr);
    const out = r.stdout;
    assert.ok(!out.includes("TAP version"), out);
    assert.ok(out.split("\n").length < 60, `report is ${out.split("\n").length} lines`);
    const failures = out.indexOf("Failures (2):");
    assert.ok(failures > 0, out);
    const tail = out.slice(failures);
    assert.match(tail, /outer > compares/);
    assert.match(tail, /sum is wrong/);
    assert.match(tail, /a\.test\.js:\d+:\d+/);
    assert.match(tail, /cannot load this file/);
    assert.ok(!tail.includes("noise from a test"));
    assert.match(tail, /^# pass 301$/m);
    assert.match(tail, /^# fail 2$/m);
    assert.match(tail, /^301 passed, 2 failed$/m);
    assert.ok(tail.indexOf("# fail 2") > tail.indexOf("sum is wrong"), "totals come after the failures");
    const log = readFileSync(tmp.path("test-report.log"), "utf8");
    assert.match(log, /noise from a test/);
    assert.match(log, /passes 299/);
  });

  it("exits 0 with the totals when everything passes, and 1 when no file matches", () => {
    const ok = run("c.test");
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^# fail 0$/m);
    assert.match(ok.stdout, /^1 passed, 0 failed$/m);
    const none = run("no-such-file");
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no test file/);
  });
});

// `el-ipc import <path>` adopts the reference's database: copied 0600 into the local default location,
// migrated, the source untouched; refused onto a database with data. The adoption hint is shown once.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { adoptionHint } from "../../src/cli/backend.js";
import { defaultDbPath, resolveConfig } from "../../src/config.js";
import { cliJson, runCli, tempDb } from "../helpers/cli.js";
import { compatJson, copyCompat } from "../helpers/fixtures.js";

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("el-ipc import", () => {
  const t = tempDb();
  after(() => t.cleanup());

  it("copies the reference's database into the default location, migrated, 0600, source untouched", async () => {
    const source = copyCompat("seed-ipc.db", t.dir, "reference.db");
    const before = sha(source);
    const env: NodeJS.ProcessEnv = { ...t.env, XDG_DATA_HOME: join(t.dir, "data") };
    delete env.IPC_DB_PATH;
    const target = defaultDbPath(env);
    const r = await cliJson<{ ok: boolean; into: string; messages: number }>(["import", source], env);
    assert.equal(r.into, target);
    assert.ok(r.messages > 0);
    assert.equal(statSync(target).mode & 0o777, 0o600);
    assert.equal(sha(source), before, "the source changed");
    const expect = compatJson<{ channels: Record<string, number> }>("seed-ipc.expect.json");
    const chans = await cliJson<{ channel: string; count: number }[]>(["channels"], env);
    assert.deepEqual(Object.fromEntries(chans.map((c) => [c.channel, c.count])), expect.channels);

    const again = await runCli(["import", source], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^el-ipc: .* already holds \d+ messages/);
    const remote = await runCli(["import", source], { ...env, IPC_URL: "http://127.0.0.1:1" });
    assert.equal(remote.code, 2);
    assert.match(remote.stderr, /import works only on a local database/);
    const missing = await runCli(["import", join(t.dir, "nope.db")], {
      ...env,
      IPC_DB_PATH: join(t.dir, "x.db"),
    });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^el-ipc: no database at /);
  });

  it("the adoption hint appears once, only for the default database", () => {
    const reference = join(t.dir, "ref-hint.db");
    writeFileSync(reference, "");
    const env: NodeJS.ProcessEnv = { HOME: t.dir, XDG_DATA_HOME: join(t.dir, "hint-data") };
    const config = resolveConfig({}, env);
    mkdirSync(join(t.dir, "hint-data", "el-ipc"), { recursive: true });
    const first = adoptionHint(config, env, reference);
    assert.match(first ?? "", new RegExp(`el-ipc import ${reference}`));
    assert.equal(adoptionHint(config, env, reference), undefined, "shown twice");
    assert.equal(
      adoptionHint(
        resolveConfig({}, { ...env, IPC_DB_PATH: "/x.db" }),
        { ...env, IPC_DB_PATH: "/x.db" },
        reference,
      ),
      undefined,
    );
    assert.equal(
      adoptionHint(
        resolveConfig({}, env),
        { ...env, XDG_DATA_HOME: join(t.dir, "other") },
        join(t.dir, "absent.db"),
      ),
      undefined,
    );
    assert.ok(existsSync(join(t.dir, "hint-data", "el-ipc", ".reference-db-hint-shown")));
  });
});

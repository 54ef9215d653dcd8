// Codex's config.toml edited without clobbering: every other byte stays, the table is replaced in place.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse as parseToml } from "smol-toml";
import { setTomlTable } from "../../../src/cli/agents/toml-table.js";

const path = ["mcp_servers", "el-ipc"];
/** Parsed into plain objects (smol-toml's have no prototype). */
const parse = (text: string) => JSON.parse(JSON.stringify(parseToml(text))) as Record<string, unknown>;
const ours = { command: "el-ipc", args: ["mcp", "--agent", 'a "quoted" name'] };
const edit = (text: string, values: Record<string, string | string[]> = ours) =>
  setTomlTable(text, path, values, parse, "config.toml");

const OTHERS = `# my settings
model = "o3"   # keep this comment

[mcp_servers.other]
command = "other"
args = ["x"]

[mcp_servers.other.env]
TOKEN = "1"
`;

describe("setTomlTable", () => {
  it("appends the table and leaves every other line as it was", () => {
    const out = edit(OTHERS);
    assert.ok(out.startsWith(OTHERS), "the old text is a prefix of the new one");
    assert.deepEqual(parse(out).mcp_servers, {
      other: { command: "other", args: ["x"], env: { TOKEN: "1" } },
      "el-ipc": ours,
    });
  });

  it("replaces its table (and sub-tables) where it stands, in any key quoting, and is idempotent", () => {
    const text = `${OTHERS}\n[mcp_servers."el-ipc"]\ncommand = "old"\n\n[mcp_servers.el-ipc.env]\nX = "1"\n\n[profiles.fast]\nmodel = "mini"\n`;
    const out = edit(text);
    assert.deepEqual(parse(out).mcp_servers, {
      other: { command: "other", args: ["x"], env: { TOKEN: "1" } },
      "el-ipc": ours,
    });
    assert.deepEqual(parse(out).profiles, { fast: { model: "mini" } });
    assert.ok(out.startsWith(OTHERS));
    assert.ok(out.endsWith('[profiles.fast]\nmodel = "mini"\n'));
    assert.equal(edit(out), out);
  });

  it("writes into an empty or missing file", () => {
    assert.deepEqual(parse(edit("")), { mcp_servers: { "el-ipc": ours } });
  });

  it("refuses a file that is not TOML, and a table set inline or by dotted keys", () => {
    assert.throws(() => edit("model = \n"), {
      code: "invalid_argument",
      message: /config.toml is not valid TOML/,
    });
    assert.throws(() => edit('mcp_servers = { el-ipc = { command = "x" } }\n'), {
      code: "invalid_argument",
      message: /inline table or with dotted keys/,
    });
    assert.throws(() => edit('[mcp_servers]\nel-ipc.command = "x"\n'), {
      code: "invalid_argument",
      message: /inline table or with dotted keys/,
    });
  });
});

// The shortcut of checkName for plain ASCII names accepts exactly what the full check accepts.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { checkName, checkUnusualName, MAX_NAME_CHARS, PLAIN_NAME } from "../../src/core/limits.js";

/** What a check says about `name`: the name it returns, or the message it throws. */
function outcome(check: (kind: "channel", name: unknown) => string, name: unknown): string {
  try {
    return `ok ${check("channel", name)}`;
  } catch (e) {
    return `refused ${(e as Error).message}`;
  }
}

describe("checkName's plain-ASCII shortcut", () => {
  it("agrees with the full check on every ASCII character, alone and inside a name", () => {
    for (let c = 0; c < 128; c++) {
      const ch = String.fromCharCode(c);
      for (const name of [ch, `a${ch}b`, `@${ch}`, `${ch}${ch}`]) {
        assert.equal(outcome(checkName, name), outcome(checkUnusualName, name), JSON.stringify(name));
      }
    }
  });

  it("leaves names longer than the limit, empty names and non-strings to the full check", () => {
    for (const name of ["a".repeat(MAX_NAME_CHARS), "a".repeat(MAX_NAME_CHARS + 1), "", 7, null, undefined]) {
      assert.equal(outcome(checkName, name), outcome(checkUnusualName, name), String(name));
    }
    assert.match(outcome(checkName, "a".repeat(MAX_NAME_CHARS + 1)), /^refused .*longer than 128/);
  });

  it("takes no name with a character outside printable ASCII or a comma", () => {
    for (const name of ["a,b", "a b", "caf\u00e9", "\uff20x", "a\u200bb", "tab\t"]) {
      assert.equal(PLAIN_NAME.test(name), false, JSON.stringify(name));
    }
  });
});

// docs/API.md is generated from the OpenAPI document: the committed file must be what `npm run docs:api`
// writes today, so a protocol change without regenerated docs fails here.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { VERSION } from "../../src/core/version.js";
import { renderApiMarkdown } from "../../src/protocol/api-markdown.js";
import { openApiDocument } from "../../src/protocol/openapi.js";
import { OPERATIONS } from "../../src/protocol/operations.js";
import { REPO_ROOT } from "../helpers/fixtures.js";

describe("docs/API.md", () => {
  const generated = renderApiMarkdown(openApiDocument({ version: VERSION }));

  it("is the one npm run docs:api generates", () => {
    const committed = readFileSync(join(REPO_ROOT, "docs", "API.md"), "utf8");
    assert.ok(committed === generated, "docs/API.md is out of date: run npm run docs:api and commit it");
  });

  it("has a section for every operation", () => {
    for (const op of Object.values(OPERATIONS)) {
      assert.ok(generated.includes(`### ${op.method} ${op.path}\n`), op.name);
      assert.ok(generated.includes(`\`${op.name}\``), op.name);
    }
  });
});

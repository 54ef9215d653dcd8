// Writes docs/API.md from the OpenAPI document of the built protocol module (`npm run docs:api` builds
// first); test/protocol/api-doc.test.ts fails when the committed file differs.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, process.env.EL_IPC_OUT || "dist");
const { openApiDocument } = await import(join(out, "src", "protocol", "openapi.js"));
const { renderApiMarkdown } = await import(join(out, "src", "protocol", "api-markdown.js"));
const { VERSION } = await import(join(out, "src", "core", "version.js"));
writeFileSync(join(root, "docs", "API.md"), renderApiMarkdown(openApiDocument({ version: VERSION })));
console.log("docs/API.md written");

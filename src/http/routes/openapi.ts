// GET /openapi.json: the protocol's OpenAPI 3.1 description, generated once from src/protocol.
import type { FastifyInstance } from "fastify";
import { VERSION } from "../../core/version.js";
import { openApiDocument } from "../../protocol/openapi.js";
import { addOperation } from "../operation-route.js";

/** Registers GET /openapi.json. */
export function registerOpenApiRoute(app: FastifyInstance): void {
  let document: ReturnType<typeof openApiDocument> | undefined;
  addOperation(app, "openapi", async () => {
    document ??= openApiDocument({ version: VERSION });
    return document;
  });
}

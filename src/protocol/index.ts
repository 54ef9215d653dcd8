// The el-ipc protocol: every request and response shape as a zod schema, the error codes, the proof
// headers and the table of operations. Free of fastify and SQLite, so the SDK can import it.
export * from "./a2a.js";
export * from "./admin.js";
export * from "./dashboard.js";
export * from "./directory.js";
export * from "./errors.js";
export * from "./headers.js";
export * from "./messages.js";
export { PROTOCOL_METADATA, type SchemaInfo } from "./metadata.js";
export * from "./operations.js";
export * from "./tokens.js";
export * from "./webhooks.js";

// Names and descriptions of the protocol's schemas, kept in a registry of the protocol's own (not zod's
// global one), so loading the module twice cannot make two schemas claim one name.
import { z } from "zod";

/** What the OpenAPI document says about a schema: its component name and what it means. */
export interface SchemaInfo {
  /** Component name under #/components/schemas (named schemas only). */
  id?: string;
  description?: string;
}

/** The protocol's schema metadata; docs/API.md and /openapi.json read it. */
export const PROTOCOL_METADATA = z.registry<SchemaInfo>();

/** `schema`, described. */
export function doc<S extends z.ZodType>(schema: S, description: string): S {
  PROTOCOL_METADATA.add(schema, { description });
  return schema;
}

/** `schema`, named `id` in the OpenAPI document's components. */
export function named<S extends z.ZodType>(id: string, schema: S, description?: string): S {
  PROTOCOL_METADATA.add(schema, description !== undefined ? { id, description } : { id });
  return schema;
}

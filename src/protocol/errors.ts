// The protocol's refusals: the closed set of error codes, the HTTP status of each, and the JSON body
// every refusal carries (docs/PROTOCOL.md section 7).
import { z } from "zod";
import { ERROR_CODES } from "./codes.js";
import { doc, named } from "./metadata.js";

export * from "./codes.js";

/** The body of every refusal. */
export const errorBody = named(
  "Error",
  z.object({
    error: doc(z.string(), "one line for humans"),
    code: doc(z.enum(ERROR_CODES), "machine-readable reason"),
  }),
  "a refusal",
);

/** The body of every refusal. */
export type ErrorBody = z.infer<typeof errorBody>;

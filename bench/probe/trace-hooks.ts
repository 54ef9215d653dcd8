// Module customization hooks for trace-loads.ts: append the URL of every resolved import to a file.
import { appendFileSync } from "node:fs";
import type { InitializeHook, ResolveHook } from "node:module";

let file = "";

/** Receives the trace file name from register(). */
export const initialize: InitializeHook<{ file: string }> = (data) => {
  file = data.file;
};

/** Resolves as usual and records the result. */
export const resolve: ResolveHook = async (specifier, context, next) => {
  const r = await next(specifier, context);
  if (file) appendFileSync(file, `esm ${r.url}\n`);
  return r;
};

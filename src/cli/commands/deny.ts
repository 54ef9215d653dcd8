// `el-ipc deny <agent> <pattern> [--read] [--write] --as <operator> --key <file>`: forbids an agent to read
// and/or write the channels a pattern matches, signed by an operator (the counterpart of grant).
import { accessCommand } from "./grant.js";

/** `deny`'s command line. */
export const command = accessCommand("deny");

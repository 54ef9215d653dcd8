// `el-ipc unset <agent> <pattern> [--read] [--write] --as <operator> --key <file>`: removes the grant or deny
// rule set on exactly that pattern, signed by an operator; the channels fall back to the next rule.
import { accessCommand } from "./grant.js";

/** `unset`'s command line. */
export const command = accessCommand("unset");

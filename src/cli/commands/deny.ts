// `el-ipc deny <agent> <pattern> [--read] [--write] --as <operator> --key <file>`: forbids an agent to read
// and/or write the channels a pattern matches, signed by an operator (the counterpart of grant).
import type { Command } from "commander";
import { defineAccessCommand } from "./grant.js";

/** Adds `deny` to the program. */
export function define(program: Command): void {
  defineAccessCommand(program, "deny");
}

#!/usr/bin/env node
// el-ipc command line: runs one command. Start-up is most of an `el-ipc send`, so only the command named
// is loaded and a well-formed command line is parsed without commander; commander handles the rest (help,
// usage errors). Commands load what they need lazily, so `send` and `read` never load the HTTP framework.
import { type CommandSpec, runCommand } from "./command.js";
import { fail } from "./output.js";
import { parseCommandLine } from "./parse.js";
import { COMMAND_NAMES, isCommand, loadCommand, PROGRAM } from "./program.js";

/**
 * Where the command name is in `args` (the arguments after the script), or -1 when the fast path does not
 * apply: no command or an unknown one, or anything but global options before it (help, --version, ...).
 */
function commandIndex(args: string[]): number {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--db" || a === "--server") i++;
    else if (a.startsWith("--db=") || a.startsWith("--server=")) continue;
    else if (a.startsWith("-")) return -1;
    else return isCommand(a) ? i : -1;
  }
  return -1;
}

/** Runs the command line `args`; commander is loaded only when the fast parser leaves it alone. */
async function main(args: string[]): Promise<void> {
  const at = commandIndex(args);
  let commands: CommandSpec[];
  if (at >= 0) {
    const command = await loadCommand(args[at] as string);
    const values = parseCommandLine(command, PROGRAM.options, args.slice(0, at), args.slice(at + 1));
    if (values) return runCommand(command, values);
    commands = [command];
  } else {
    // The help listing and the unknown-command error name every command.
    commands = await Promise.all(COMMAND_NAMES.map(loadCommand));
  }
  const { runWithCommander } = await import("./commander.js");
  return runWithCommander(process.argv, PROGRAM, commands);
}

main(process.argv.slice(2)).catch(fail);

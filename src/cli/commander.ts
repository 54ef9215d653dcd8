// The slow path of the command line: commander, built from the same command specs as the fast parser,
// prints help and usage errors (and runs whatever the fast parser left to it). main.ts loads it on demand.
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { type CommandSpec, runCommand } from "./command.js";
import type { GlobalOptions } from "./context.js";
import { EXIT_USAGE } from "./output.js";
import type { ProgramSpec } from "./program.js";

/** Turns a spec's parser into a commander argument parser (commander reports InvalidArgumentError nicely). */
function commanderParser(parse: (value: string) => unknown) {
  return (value: string) => {
    try {
      return parse(value);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

function addCommand(program: Command, spec: CommandSpec): void {
  const c = program.command(spec.name).description(spec.description);
  for (const a of spec.arguments ?? []) {
    if (a.parse) c.argument(a.name, a.description, commanderParser(a.parse));
    else c.argument(a.name, a.description);
  }
  for (const o of spec.options ?? []) {
    const add = (o.required ? c.requiredOption : c.option).bind(c);
    if (o.parse) add(o.flags, o.description, commanderParser(o.parse));
    else add(o.flags, o.description);
  }
  c.action((...values: unknown[]) => {
    // commander passes the positional values, the options, then the command itself.
    const { db, server } = (values.pop() as Command).optsWithGlobals() as GlobalOptions;
    return runCommand(spec, [...values, { db, server }]);
  });
  c.showHelpAfterError(
    `usage: el-ipc ${c.name()} ${c.usage()}\n(run el-ipc ${c.name()} --help for more)`,
  ).exitOverride();
}

/** The commander program of `spec` with `commands`; it throws CommanderError where it would exit. */
export function buildProgram(spec: ProgramSpec, commands: CommandSpec[]): Command {
  const program = new Command(spec.name).description(spec.description).version(spec.version);
  // Commander's own errors ("error: unknown option '--x'") get the prefix of every other CLI error.
  program.configureOutput({
    outputError: (text, write) => write(text.replace(/^error: /, "el-ipc: ")),
  });
  for (const o of spec.options) program.option(o.flags, o.description);
  program.showHelpAfterError("(run with --help for usage)").exitOverride();
  for (const c of commands) addCommand(program, c);
  return program;
}

/**
 * Parses `argv` (process.argv) with commander over `commands` and runs the command it names. Help and
 * --version exit 0, usage errors exit 2 (commander has printed them); what the command throws is rethrown.
 */
export async function runWithCommander(
  argv: string[],
  spec: ProgramSpec,
  commands: CommandSpec[],
): Promise<void> {
  try {
    await buildProgram(spec, commands).parseAsync(argv);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    const ok =
      e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help";
    process.exit(ok ? 0 : EXIT_USAGE);
  }
}

// What a command module exports: its command line as data, read both by the fast parser (parse.ts) and by
// commander (commander.ts, for help and usage errors), and the function that runs it.

/** A positional argument. */
export interface ArgumentSpec {
  /** In commander's notation: `<name>` (required), `[name]` (optional), `<name...>` (one or more, last only). */
  name: string;
  /** One line for --help. */
  description: string;
  /** Turns the text into the value `run` gets; throws an Error whose message says what is wrong. */
  parse?: (value: string) => unknown;
}

/** An option. */
export interface OptionSpec {
  /** `--name` (a flag, true when given) or `--name <value>`; `run` gets it under its camelCase name. */
  flags: string;
  /** One line for --help. */
  description: string;
  /** The command refuses to run without it (default false). */
  required?: boolean;
  /** Turns the text into the value `run` gets; throws an Error whose message says what is wrong. */
  parse?: (value: string) => unknown;
}

/** One command of el-ipc. */
export interface CommandSpec {
  /** The word after `el-ipc`. */
  name: string;
  /** One line for the command list and --help. */
  description: string;
  /** Positional arguments, in order (default none). */
  arguments?: ArgumentSpec[];
  /** Options, in the order --help lists them (default none). */
  options?: OptionSpec[];
  /**
   * Runs the command with commander's action arguments: each positional argument (an array for `<name...>`,
   * undefined for a missing `[name]`), then the options given, by camelCase name, then the global options.
   */
  run: (...args: never[]) => Promise<unknown>;
}

/** Calls `command.run` with the values of a parsed command line, in the order CommandSpec.run documents. */
export async function runCommand(command: CommandSpec, values: unknown[]): Promise<void> {
  await (command.run as (...args: unknown[]) => Promise<unknown>)(...values);
}

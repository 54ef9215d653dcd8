// The fast path of the command line: node:util's parseArgs reads a well-formed command line in well under
// a millisecond, where loading commander costs about 5 ms of every `el-ipc send`. It gives up on anything
// else (help, a usage error, an option form it does not know) and main.ts hands that to commander, which
// then parses the whole line again and prints the help or the error.
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { CommandSpec, OptionSpec } from "./command.js";

/** `--name` or `--name <value>`; other forms (short flags, `[value]`) are left to commander. */
const SIMPLE_FLAGS = /^--(?!no-)([a-z][a-z0-9-]*)( <[^>]+>)?$/;
/** `--no-name`: the option `name` is false when given and true otherwise, as commander has it. */
const NEGATED_FLAG = /^--no-([a-z][a-z0-9-]*)$/;

const camel = (name: string): string => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** An option's name as its flags give it (`dedupe-key`), as commander names it (`dedupeKey`), its parser. */
interface KnownOption {
  long: string;
  key: string;
  takesValue: boolean;
  /** A `--no-name` flag: given, the option is false. */
  negated?: boolean;
  spec: OptionSpec;
}

function knownOptions(specs: OptionSpec[]): KnownOption[] | undefined {
  const out: KnownOption[] = [];
  for (const spec of specs) {
    const no = NEGATED_FLAG.exec(spec.flags);
    if (no?.[1]) {
      out.push({ long: `no-${no[1]}`, key: camel(no[1]), takesValue: false, negated: true, spec });
      continue;
    }
    const m = SIMPLE_FLAGS.exec(spec.flags);
    if (!m?.[1]) return undefined;
    const long = m[1];
    out.push({
      long,
      key: camel(long),
      takesValue: !!m[2],
      spec,
    });
  }
  return out;
}

/**
 * The arguments for `command.run` (see CommandSpec.run) from `args`, the command line after the command
 * name, or undefined when commander has to look at it. `globals` are the program's own options, which
 * may also come before the command name: `leading` holds those (main.ts checked that nothing else is there).
 */
export function parseCommandLine(
  command: CommandSpec,
  globals: OptionSpec[],
  leading: string[],
  args: string[],
): unknown[] | undefined {
  const own = knownOptions(command.options ?? []);
  const global = knownOptions(globals);
  if (!own || !global) return undefined;
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const o of [...global, ...own]) options[o.long] = { type: o.takesValue ? "string" : "boolean" };
  let given: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({ args: [...leading, ...args], options, strict: true, allowPositionals: true });
    given = parsed.values as Record<string, string | boolean | undefined>;
    positionals = parsed.positionals;
  } catch {
    return undefined;
  }
  const values = positionalValues(command, positionals);
  if (!values) return undefined;
  const opts = optionValues(own, given);
  if (!opts) return undefined;
  const globalOpts = optionValues(global, given);
  if (!globalOpts) return undefined;
  return [...values, opts, globalOpts];
}

/** The positional values in the shape commander passes them, or undefined when their number is wrong. */
function positionalValues(command: CommandSpec, positionals: string[]): unknown[] | undefined {
  const specs = command.arguments ?? [];
  const values: unknown[] = [];
  for (const [i, spec] of specs.entries()) {
    const m = /^([<[])[^.>\]]+(\.\.\.)?[>\]]$/.exec(spec.name);
    if (!m) return undefined;
    const required = m[1] === "<";
    if (m[2]) {
      // `<name...>`, last: one or more words. An optional or parsed rest argument is left to commander.
      if (!required || spec.parse || i !== specs.length - 1 || positionals.length <= i) return undefined;
      values.push(positionals.slice(i));
      return values;
    }
    const text = positionals[i];
    if (text === undefined) {
      if (required) return undefined;
      values.push(undefined);
      continue;
    }
    try {
      values.push(spec.parse ? spec.parse(text) : text);
    } catch {
      return undefined;
    }
  }
  return positionals.length > specs.length ? undefined : values;
}

/** The given options by camelCase name, parsed; undefined when one is missing or does not parse. */
function optionValues(
  known: KnownOption[],
  given: Record<string, string | boolean | undefined>,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const o of known) {
    const value = given[o.long];
    if (o.negated) {
      out[o.key] = value === undefined;
      continue;
    }
    if (value === undefined) {
      if (o.spec.required) return undefined;
      continue;
    }
    try {
      out[o.key] = typeof value === "string" && o.spec.parse ? o.spec.parse(value) : value;
    } catch {
      return undefined;
    }
  }
  return out;
}

import { parseArgs } from 'node:util';
import { COMMANDS, UsageError, helpText, type CommandSpec, type Plan } from './commands.js';

export type Parsed = { kind: 'help' } | { kind: 'run'; command: CommandSpec; plan: Plan; json: boolean };

const GLOBAL_OPTIONS = { json: { type: 'boolean' as const }, help: { type: 'boolean' as const, short: 'h' } };

/** Pure: argv (without node and script) → what to do, or a UsageError saying what is wrong. */
export function parseCommandLine(argv: string[]): Parsed {
  const allOptions: Record<string, { type: 'string' | 'boolean'; short?: string }> = { ...GLOBAL_OPTIONS };
  for (const c of COMMANDS) Object.assign(allOptions, c.options);

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: allOptions, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values, positionals } = parsed;
  if (!positionals.length || positionals[0] === 'help' || (values.help && positionals.length < 2)) {
    if (!positionals.length && !values.help) throw new UsageError('no command given');
    return { kind: 'help' };
  }
  const [noun, verb, ...args] = positionals;
  const nounCommands = COMMANDS.filter((c) => c.words[0] === noun);
  if (!nounCommands.length) throw new UsageError(`unknown command "${noun}"`);
  const command = nounCommands.find((c) => c.words[1] === verb);
  if (!command) {
    const verbs = nounCommands.map((c) => c.words[1]).join(', ');
    throw new UsageError(verb ? `unknown command "${noun} ${verb}" (${noun} takes: ${verbs})` : `"${noun}" needs a subcommand: ${verbs}`);
  }
  if (values.help) return { kind: 'help' };

  for (const name of Object.keys(values)) {
    if (!(name in GLOBAL_OPTIONS) && !(name in command.options)) throw new UsageError(`"${command.words.join(' ')}" has no option --${name}`, command.usage);
  }
  if (args.length < command.args.min) throw new UsageError(`"${command.words.join(' ')}" needs more arguments`, command.usage);
  if (args.length > command.args.max) throw new UsageError(`"${command.words.join(' ')}" takes fewer arguments (got ${args.join(' ')})`, command.usage);
  const opts = values as Record<string, string | boolean | undefined>;
  try {
    return { kind: 'run', command, plan: command.plan(args, opts), json: values.json === true };
  } catch (err) {
    if (err instanceof UsageError && !err.usage) throw new UsageError(err.message, command.usage);
    throw err;
  }
}

export { helpText, UsageError };

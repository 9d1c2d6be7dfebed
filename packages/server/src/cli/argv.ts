import { UsageError } from './cli-errors.ts';

/**
 * Where an operand may follow the command words. Ids and kids are base64url, so one may start with
 * `-`: `after-separator` takes the word after a `--`; `dash-allowed` also takes a word starting
 * with a single `-` as it is (`keys revoke -AbC`), and one starting with `--` after a `--`.
 */
export type OperandRule = 'none' | 'after-separator' | 'dash-allowed';

export interface ArgvSpec {
  /** Options that take a value: `--name value` or `--name=value`. */
  valueOptions: readonly string[];
  /** Options that take none. */
  flags?: readonly string[];
  /** Options refused outright: the message to refuse each with. */
  refuse?: (name: string) => string | undefined;
  /**
   * May a value given as the next word start with `--` (true, or the options whose value may)?
   * Default false: that word is an option.
   */
  valueMayStartWithDashes?: boolean | readonly string[];
  /** The operand rule for these command words. */
  operand: (words: readonly string[]) => OperandRule;
}

export interface ParsedArgv {
  /** Command words, then the operand if any. */
  words: string[];
  values: Map<string, string>;
  flags: Set<string>;
  /** Everything else: settings flags (with their values), for `loadConfig`. */
  settings: string[];
}

function mayStartWithDashes(spec: ArgvSpec, name: string): boolean {
  const allowed = spec.valueMayStartWithDashes ?? false;
  return typeof allowed === 'boolean' ? allowed : allowed.includes(name);
}

/** The one argv parser of the CLI; each caller declares its options in `spec`. */
export function parseArgv(argv: readonly string[], spec: ArgvSpec): ParsedArgv {
  const parsed: ParsedArgv = { words: [], values: new Map(), flags: new Set(), settings: [] };
  let index = 0;
  while (index < argv.length && !argv[index]!.startsWith('-')) parsed.words.push(argv[index++]!);
  const rule = spec.operand(parsed.words);
  if (rule === 'after-separator' && argv[index] === '--' && index + 1 < argv.length) {
    parsed.words.push(argv[index + 1]!);
    index += 2;
  } else if (rule === 'dash-allowed') {
    const separated = argv[index] === '--';
    if (separated) index++;
    const operand = argv[index];
    if (operand !== undefined && (separated || (!operand.startsWith('--') && operand !== '-h'))) {
      parsed.words.push(operand);
      index++;
    }
  }
  for (; index < argv.length; index++) {
    const token = argv[index]!;
    const name = token.split('=', 1)[0]!;
    const hasValue = token.includes('=');
    const refusal = spec.refuse?.(name);
    if (refusal !== undefined) throw new UsageError(refusal);
    if (spec.flags?.includes(name)) {
      parsed.flags.add(name);
    } else if (spec.valueOptions.includes(name)) {
      const value = hasValue ? token.slice(name.length + 1) : argv[++index];
      if (
        value === undefined ||
        value === '' ||
        (!hasValue && !mayStartWithDashes(spec, name) && value.startsWith('--'))
      )
        throw new UsageError(`${name} needs a value`);
      parsed.values.set(name, value);
    } else {
      parsed.settings.push(token);
      // A settings flag in `--flag value` form: keep its value with it.
      if (!hasValue && index + 1 < argv.length && !argv[index + 1]!.startsWith('--')) {
        parsed.settings.push(argv[++index]!);
      }
    }
  }
  return parsed;
}

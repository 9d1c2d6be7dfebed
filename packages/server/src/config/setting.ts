/**
 * The settings table's row type. A leaf module: config.ts and the settings of mail and metrics
 * all use it, and config.ts imports those.
 */

/** What `--help` and the docs table print of a setting. */
export interface SettingSpec {
  env: string;
  flag: string;
  description: string;
  /** Shown in `--help` and docs/operations.md. */
  defaultText: string;
  /** Values that must never be echoed (errors say which setting, not what it held). */
  secret?: boolean;
}

/** What a default may depend on: settings read before it (the table's order guarantees it). */
export interface DefaultContext {
  port: number;
  /** The issuer as parsed: an absolute http(s) URL without a trailing slash. */
  issuer: string;
  /** True when GATEHOUSE_ISSUER was not set. */
  issuerIsDefault: boolean;
}

/** One setting: where it is read from, how it is parsed, what it is when unset, and its help. */
export interface Setting<T> extends SettingSpec {
  /** Turns the text of the flag or env var (never blank) into the value; throws ConfigError. */
  parse(text: string, env: string): T;
  /** The value when unset or blank; a function when it depends on other settings or the machine. */
  fallback: T | ((context: DefaultContext) => T);
}

/**
 * Declares a setting; its value type comes from the parser and the default. `defaultText` may be
 * left out when the default is a plain number, word or boolean: it is then that value.
 */
export function setting<T>(spec: Omit<Setting<T>, 'defaultText'> & { defaultText?: string }): Setting<T> {
  const { fallback } = spec;
  const plain = ['number', 'string', 'boolean'].includes(typeof fallback) ? String(fallback) : undefined;
  const defaultText = spec.defaultText ?? plain;
  if (defaultText === undefined) throw new Error(`${spec.env}: a computed default needs a defaultText`);
  return { ...spec, defaultText };
}

// biome-ignore lint/suspicious/noExplicitAny: a table holds settings of every value type.
export type SettingTable = Readonly<Record<string, Setting<any>>>;

/** The values a table reads to: one property per setting, typed by its parser. */
export type SettingValues<S extends SettingTable> = {
  -readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

/** The value a setting has when unset. */
export function fallbackOf<T>(entry: Setting<T>, context: DefaultContext): T {
  const { fallback } = entry;
  return typeof fallback === 'function' ? (fallback as (context: DefaultContext) => T)(context) : fallback;
}

/**
 * Reads every setting of `table` through `read` (flag, then env; blank as unset), in the table's
 * order. Each value is also recorded in `seen`, which backs the `DefaultContext` of later settings.
 */
export function readSettings<S extends SettingTable>(
  table: S,
  read: (env: string) => string | undefined,
  context: DefaultContext,
  seen: Record<string, unknown> = {},
): SettingValues<S> {
  const values: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(table)) {
    const text = read(entry.env);
    values[key] = text === undefined ? fallbackOf(entry, context) : entry.parse(text, entry.env);
    seen[key] = values[key];
  }
  return values as SettingValues<S>;
}

/** The defaults of a table whose defaults depend on nothing else. */
export function defaultsOf<S extends SettingTable>(table: S): SettingValues<S> {
  const noContext = {} as DefaultContext;
  return readSettings(table, () => undefined, noContext);
}

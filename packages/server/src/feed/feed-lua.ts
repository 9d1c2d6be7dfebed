import { readFileSync } from 'node:fs';

const read = (file: string) => readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');

// Read once at module load: a missing file fails at start-up, not at the first heartbeat.
const HELPERS = read('replid.lua');

/** A feed script (`lua/<file>`), after the helpers every one may call (`lua/replid.lua`: `replid()`). */
export function feedLua(file: string): string {
  return `${HELPERS}\n${read(file)}`;
}

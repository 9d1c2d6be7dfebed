/**
 * One row of the settings table (`--help`, flag parsing). A leaf module: config.ts and the
 * settings of mail and metrics all use it, and config.ts imports those.
 */
export interface SettingSpec {
  env: string;
  flag: string;
  description: string;
  /** Shown in `--help`. */
  defaultText: string;
  /** Values that must never be echoed (errors say which setting, not what it held). */
  secret?: boolean;
}

/** A bad setting or flag. The message names the setting and never contains a secret value. */
export class ConfigError extends Error {
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.setting = setting;
  }
}

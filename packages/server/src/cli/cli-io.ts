/** What a CLI command may touch of its process: the environment, stdin, and the two output streams. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  /** Reads all of stdin (only called for `--password-stdin`). */
  readStdin(): Promise<string>;
  out(line: string): void;
  err(line: string): void;
}

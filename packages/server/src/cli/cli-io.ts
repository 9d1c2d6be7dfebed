/** What a CLI command may touch of its process: the environment, stdin, and the two output streams. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  /** Reads all of stdin (`--password-stdin`; a terminal prompts for a new password instead). */
  readStdin(): Promise<string>;
  /**
   * Stdin as a stream, for a command that reads data from it as it comes (`users import`).
   * `isTTY`: a terminal, where nothing is there to read as data.
   */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  out(line: string): void;
  err(line: string): void;
}

/** What a CLI command may touch of its process: the environment, stdin, and the two output streams. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  /** Reads all of stdin (`--password-stdin`; a terminal prompts for a new password instead). */
  readStdin(): Promise<string>;
  /** True when stdin is a terminal, not a pipe or a file: nothing is there to read as data. */
  stdinIsTerminal?: boolean;
  /** Stdin as a stream, for a command that reads data from it as it comes (`users import`); else `readStdin`. */
  stdin?: NodeJS.ReadableStream;
  out(line: string): void;
  err(line: string): void;
}

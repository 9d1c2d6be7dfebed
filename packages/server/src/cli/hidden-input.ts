import { UsageError } from './cli-errors.ts';

/** What `readHiddenLine` needs of a terminal: `process.stdin` and `process.stderr` fit. */
export interface HiddenInputTerminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  output: { write(text: string): unknown };
}

const MAX_LENGTH = 4096;

/**
 * Reads one line from a terminal without echoing it: the terminal goes into raw mode, each key is
 * taken as it comes, and nothing of what is typed is written back (not even `*`, which would tell
 * a shoulder-surfer the length). Enter ends the line, Backspace deletes, Ctrl-C and Ctrl-D abort.
 */
export function readHiddenLine(prompt: string, terminal: HiddenInputTerminal): Promise<string> {
  const { input, output } = terminal;
  output.write(prompt);
  return new Promise((resolve, reject) => {
    let line = '';
    const finish = (error: Error | null) => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: Buffer | string) => {
      for (const character of chunk.toString('utf8')) {
        if (character === '\r' || character === '\n') return finish(null);
        if (character === '\u0003' || character === '\u0004') return finish(new UsageError('cancelled'));
        if (character === '\u007f' || character === '\b') line = [...line].slice(0, -1).join('');
        else if (character >= ' ') line += character;
        if (line.length > MAX_LENGTH) return finish(new UsageError('input is longer than 4 KiB'));
      }
    };
    input.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
  });
}

/** A new password typed twice on a terminal, hidden both times; the two must match. */
export async function promptNewPassword(terminal: HiddenInputTerminal): Promise<string> {
  const first = await readHiddenLine('Password (not shown as you type): ', terminal);
  const second = await readHiddenLine('Repeat it: ', terminal);
  if (first !== second) throw new UsageError('the two passwords differ; nothing was changed');
  return first;
}

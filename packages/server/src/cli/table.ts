/** Invisible or direction-changing characters, and control characters: shown as `\u{…}` in a terminal. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * Text from the store made safe for a terminal line: control, format (bidi overrides, zero-width)
 * and line-separator characters become visible `\u{202e}` escapes, so a look-alike email can
 * neither pass for another one nor move the cursor or reorder the line.
 */
export function terminalText(text: string): string {
  return text.replace(HIDDEN, (character) => `\\u{${character.codePointAt(0)!.toString(16)}}`);
}

/**
 * Rows as an aligned table: a header, then each row, columns padded to the widest cell and
 * separated by two spaces. Cells go through `terminalText`. The last column is not padded.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const cells = [headers, ...rows].map((row) => row.map((cell) => terminalText(cell)));
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => [...(row[column] ?? '')].length)));
  return cells.map((row) =>
    row
      .map((cell, column) =>
        column === row.length - 1 ? cell : cell + ' '.repeat(widths[column]! - [...cell].length),
      )
      .join('  ')
      .trimEnd(),
  );
}

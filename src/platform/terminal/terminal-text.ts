/**
 * Service output made safe to show on a terminal: colours pass, every other control
 * sequence is taken out. A service's output is shown among other services' lines under
 * berth's prefixes; a title change (`ESC]0;…`), a clear screen (`ESC[2J`), a cursor move or
 * a carriage return would rewrite the user's terminal instead. The log files keep the output
 * as it was written.
 */

// Anything that might need removing: C0 controls but tab, DEL, and the C1 controls (some
// terminals act on U+009B as on `ESC[`).
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const SUSPECT = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

// One escape sequence or control character: CSI (`ESC[` params, intermediates, a final
// byte), OSC (`ESC]` to BEL or ST, or the end of the line), DCS/SOS/PM/APC (to ST or the
// end), any other `ESC` sequence, then a lone control character.
const SEQUENCE =
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  /\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]?|[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** Select Graphic Rendition: colours and styles, the one sequence that passes. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const SGR = /^\x1b\[[0-9;:]*m$/;

/**
 * `text` without terminal control sequences other than colours (SGR, `ESC[…m`). Plain text
 * is returned as it is, at the cost of one scan.
 *
 * @example
 * terminalSafe("\x1b]0;pwned\x07\x1b[2J\x1b[32mok\x1b[0m"); // "\x1b[32mok\x1b[0m"
 */
export function terminalSafe(text: string): string {
  if (!SUSPECT.test(text)) return text;
  return text.replace(SEQUENCE, (sequence) => (SGR.test(sequence) ? sequence : ""));
}

/** {@link terminalSafe} for each line; the same array when there is nothing to take out. */
export function terminalSafeLines(lines: string[]): string[] {
  // One scan of the batch: a regex call per line cost more than the rest of a line's trip
  // to the terminal (lines hold no newline, so joining them adds no control character).
  return SUSPECT.test(lines.join("")) ? lines.map(terminalSafe) : lines;
}

/**
 * Text from outside (a URI, a workflow id, a server's error, a file's content) made safe to print on a
 * terminal: every control character, C1 control and bidirectional override is shown as an escape instead
 * of acting on the terminal (moving the cursor, erasing the line, reordering what the user reads).
 * Shortened to `max` characters when given. Pure: workflow code uses it too.
 */
export function printable(text: string, max = Infinity): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A hostile value inside a message: quoted so that its ends show, escaped as above, and shortened. */
export function quoted(text: string, max = 80): string {
  return `"${printable(text, max).replace(/"/g, '\\"')}"`;
}

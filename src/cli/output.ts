/** Lines go through these so tests can capture what a command printed. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Each line to stdout, after an optional indent (a live display nests a run's lines under its heading). */
export function printLines(io: Output, lines: readonly string[], indent = ''): void {
  for (const line of lines) io.out(`${indent}${line}`);
}

/** `3 problems`, `1 VF`: the count and the noun, plural unless the count is one. */
export function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** What a validate command prints for a file it refused: a heading, then every problem, path first. */
export function invalidLines(file: string, problems: readonly string[]): string[] {
  return [`invalid: ${file}: ${counted(problems.length, 'problem')}`, ...problems];
}

/** A run's link in the Temporal UI, when there is a UI to link to. */
export function uiLinkLines(link: string | undefined | null): string[] {
  return link ? [`Temporal UI: ${link}`] : [];
}

/** The line a finished run ends on: its outcome, loud, and why. */
export function outcomeLine(report: { outcome: string; message: string }): string {
  return `${report.outcome.toUpperCase()}: ${report.message}`;
}

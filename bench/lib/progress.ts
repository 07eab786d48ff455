/** Progress on stderr: one rewritten line on a TTY, a line every few seconds otherwise. */
const tty = process.stderr.isTTY === true;
let lastPrint = 0;

export function status(line: string): void {
  if (tty) {
    process.stderr.write(`\r\x1b[K${line}`);
  } else if (Date.now() - lastPrint >= 2000) {
    lastPrint = Date.now();
    process.stderr.write(`${line}\n`);
  }
}

export function note(line: string): void {
  process.stderr.write(tty ? `\r\x1b[K${line}\n` : `${line}\n`);
  lastPrint = 0;
}

export function fmtCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

// stdout/stderr helpers: plain lines, JSON objects (--json), tables, and the TTY-aware progress sink.
import type { Output } from './progress.js';

export function jsonOut(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function line(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function table(rows: string[][]): void {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  for (const r of rows) line(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** Progress goes in place on a terminal, one line per step otherwise. */
export function progressOutput(): Output {
  const tty = process.stdout.isTTY === true;
  const columns = process.stdout.columns || 80;
  if (!tty) return { out: line, columns };
  return {
    columns,
    out: (text) => process.stdout.write(`\r\x1b[K${text}\n`),
    redraw: (text) => process.stdout.write(`\r\x1b[K${text}`),
  };
}

import type { Summary } from './stats.ts';

const DASH = '–';

/** A number with thousands separators and a sensible number of digits for its size. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return DASH;
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** An axis tick: no trailing zeros ("0.1", "1", "20,000"). */
export function formatTick(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** A count that may be a median of counts: "4", "4.5". */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return DASH;
  return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/**
 * A ratio against the baseline, e.g. "1.00×", "12.4×", "0.052×". Three significant digits: enough
 * to compare, few enough not to pretend more precision than a benchmark has.
 */
export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return DASH;
  if (value === 0) return '0×';
  const abs = Math.abs(value);
  const text = abs >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
  return `${text}×`;
}

/** Median with its spread: "52.1 (49.8–60.3)". */
export function formatSpread(summary: Summary, format: (value: number) => string = formatNumber): string {
  return `${format(summary.median)} (${format(summary.min)}–${format(summary.max)})`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return DASH;
  if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
  if (Math.abs(bytes) < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return DASH;
  return `${formatNumber(ms)} ms`;
}

/** Milliseconds as a short duration for progress lines: "850 ms", "12.3 s". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** An error as one line for the report: its message, never a stack (and never a token: see callers). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}${cause}`;
  }
  return String(error);
}

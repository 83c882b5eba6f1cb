/**
 * log4j 1.2 levels and their order. Numbers are log4j's own (`Level.TRACE_INT` … `Level.OFF_INT`), so "at least
 * as severe as" is a plain `>=`. `ALL` is accepted in a properties file (it enables everything) but is not part of
 * the public `Level` type: nothing logs *at* ALL.
 */
export type Level = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL' | 'OFF';

export const LEVEL_VALUE = {
  ALL: Number.MIN_SAFE_INTEGER,
  TRACE: 5000,
  DEBUG: 10000,
  INFO: 20000,
  WARN: 30000,
  ERROR: 40000,
  FATAL: 50000,
  OFF: Number.MAX_SAFE_INTEGER,
} as const;

export type ConfigLevel = keyof typeof LEVEL_VALUE;

/** Parses a level name the way log4j does: trimmed, case-insensitive. Returns undefined for an unknown name. */
export function parseLevel(text: string): ConfigLevel | undefined {
  const upper = text.trim().toUpperCase();
  return Object.prototype.hasOwnProperty.call(LEVEL_VALUE, upper) ? (upper as ConfigLevel) : undefined;
}

/** The level's name as `%p` prints it. */
export function levelName(value: number): string {
  for (const [name, v] of Object.entries(LEVEL_VALUE)) if (v === value) return name;
  return String(value);
}

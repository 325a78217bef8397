/** The one timestamp format stored and returned: ISO-8601, UTC, milliseconds. */
export const nowIso = (): string => new Date().toISOString();

/** Parses a client-supplied date; undefined when it is not a date. */
export function parseIsoDate(value: string): string | undefined {
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

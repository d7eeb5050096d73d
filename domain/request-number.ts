/** The request number the customer is told, e.g. SR-20261121-000123; it is also the workflow id. */

/** Operators work in China Standard Time; the number's date is the local business day. */
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

export function businessDay(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

export function formatRequestNumber(day: string, sequence: number): string {
  return `SR-${day}-${String(sequence).padStart(6, '0')}`;
}

export const REQUEST_NUMBER_PATTERN = '^SR-\\d{8}-\\d{6,}$';

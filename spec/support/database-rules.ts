// Values that pass the endpoint's validation but that PostgreSQL refuses when the batch is
// inserted (docs/protocol.md "Values the database refuses"). The real server answers those with a
// 500, which a naive client retries forever; the specs need to see exactly that.

import { RECORD_TABLES, TIMESTAMP_FIELDS, TIMESTAMP_PATTERN, describeRecord, type Batch } from './protocol-rules.js';

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

// jsonb and text reject U+0000 ("unsupported Unicode escape sequence").
const NUL = /\u0000/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
// JSON.parse turns escapes like "\ud800" into exactly these lone code units.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function badString(text: string): string | undefined {
  if (NUL.test(text)) return 'contains U+0000 (PostgreSQL: unsupported Unicode escape sequence)';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (PostgreSQL: invalid Unicode surrogate pair)';
  return undefined;
}

/** Finds the first string or key, at any depth, the database cannot store. */
function findBadString(root: unknown, rootPath: string): string | undefined {
  // Iterative so a deeply nested attribute cannot overflow the server's stack.
  const pending: Array<[unknown, string]> = [[root, rootPath]];
  while (pending.length > 0) {
    const [value, path] = pending.pop()!;
    if (typeof value === 'string') {
      const problem = badString(value);
      if (problem) return `field "${path}": string ${problem}`;
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => pending.push([item, `${path}[${i}]`]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        const problem = badString(key);
        if (problem) return `field "${path}": key ${JSON.stringify(key)} ${problem}`;
        pending.push([item, `${path}.${key}`]);
      }
    }
  }
  return undefined;
}

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** True when a timestamp that matches TIMESTAMP_PATTERN names a real instant. */
export function isCalendarValid(timestamp: string): boolean {
  const match = TIMESTAMP_PATTERN.exec(timestamp);
  if (!match) return false;
  const [, y, mo, d, h, mi, s = '00', fraction = '0', offset] = match as unknown as string[];
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  // There is no year 0 in PostgreSQL (1 BC precedes AD 1).
  if (year === 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  // PostgreSQL accepts 24:00:00 (end of day) and a leap second 60.
  const endOfDay = hour === 24 && minute === 0 && second === 0 && Number(fraction) === 0;
  if ((hour > 23 && !endOfDay) || minute > 59 || second > 60) return false;
  if (offset !== 'Z') {
    const [offsetHours, offsetMinutes] = offset!.slice(1).split(':').map(Number) as [number, number];
    if (offsetHours > 15 || offsetMinutes > 59) return false;
  }
  return true;
}

/**
 * Why the database would refuse to store this already validated batch (HTTP 500), or
 * undefined when every value can be inserted.
 */
export function findDatabaseRefusal(batch: Batch): string | undefined {
  for (const table of RECORD_TABLES) {
    for (const [index, record] of batch[table].entries()) {
      const where = describeRecord(table, index, record);
      // Top-level keys are already known to be docs/protocol.md field names, so only values are walked.
      for (const [field, value] of Object.entries(record)) {
        const stringProblem = findBadString(value, field);
        if (stringProblem) return `${where}: ${stringProblem}`;
      }
      if ('iteration' in record && (record.iteration < INT32_MIN || record.iteration > INT32_MAX)) {
        return `${where}: field "iteration" ${record.iteration} is out of range for type integer (32-bit)`;
      }
      for (const field of TIMESTAMP_FIELDS) {
        if (field in record && !isCalendarValid(record[field])) {
          return `${where}: field "${field}" date/time field value out of range: ${JSON.stringify(record[field])}`;
        }
      }
    }
  }
  return undefined;
}

import { IConstruct } from 'constructs';
import { fail, show } from './errors';
import { TIME_ZONE_NAMES } from './time-zones';

const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: { name: string; min: number; max: number; names?: string[]; question?: boolean }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: DAYS, question: true },
];

/** Problem with a cron field, or undefined when the field is valid. */
function checkField(text: string, field: (typeof FIELDS)[number]): string | undefined {
  const value = (token: string): number | undefined => {
    if (/^\d+$/.test(token)) return Number(token);
    const i = field.names?.indexOf(token.toUpperCase()) ?? -1;
    return i < 0 ? undefined : i + (field.name === 'month' ? 1 : 0);
  };
  for (const part of text.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined) return `${show(part)} has more than one "/"`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `step ${show(step)} must be a positive integer`;
    if (range === '*' || (range === '?' && field.question)) continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `${show(range)} is not a value or a range`;
    const nums = bounds.map(value);
    if (nums.some((n) => n === undefined)) return `${show(range)} is not a number${field.names ? ' or a name' : ''}`;
    for (const n of nums as number[]) {
      if (n < field.min || n > field.max) return `${n} is outside ${field.min}-${field.max}`;
    }
    const [first, last = first] = nums as number[];
    if (first > last) return `range ${show(range)} is backwards`;
  }
  return undefined;
}

/**
 * Throws unless `schedule` is a cron expression as the Kubernetes CronJob controller and Argo
 * CronWorkflows parse it (robfig/cron `ParseStandard`):
 * five fields (minute hour day-of-month month day-of-week) with `*`, `?`, ranges, steps,
 * lists and JAN-DEC / SUN-SAT names, or a descriptor (`@daily`, `@hourly`, `@every 6h`...). `TZ=` and
 * `CRON_TZ=` prefixes are refused (use the `timeZone` field).
 */
export function validateCronSchedule(scope: IConstruct, schedule: string): string {
  if (typeof schedule !== 'string' || schedule.trim() === '') fail(scope, `schedule must be a cron expression such as "0 2 * * *", got ${show(schedule)}`);
  const trimmed = schedule.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) fail(scope, `schedule ${show(schedule)} must not carry a time zone; set timeZone instead`);
  if (trimmed.startsWith('@')) {
    if (DESCRIPTORS.includes(trimmed) || /^@every (\d+(ns|us|µs|ms|s|m|h))+$/.test(trimmed)) return trimmed;
    fail(scope, `schedule ${show(schedule)} is not a known descriptor (${DESCRIPTORS.join(', ')}, @every <duration>)`);
  }
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) fail(scope, `schedule ${show(schedule)} must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  parts.forEach((p, i) => {
    const problem = checkField(p, FIELDS[i]);
    if (problem) fail(scope, `schedule ${show(schedule)}: ${FIELDS[i].name} field ${problem}`);
  });
  return parts.join(' ');
}

/**
 * True when `timeZone` is an IANA time zone name (canonical or alias) as the API server reads
 * it: exactly, case-sensitive, one of the names of Go's embedded tzdata (`time.LoadLocation`;
 * `Europe/BERLIN` or `us/pacific` are refused there, though ICU would resolve them).
 */
export function isIanaTimeZone(timeZone: string): boolean {
  return TIME_ZONE_NAMES.has(timeZone);
}

/** Throws unless `timeZone` is an IANA time zone name (the CronJob `timeZone` field). */
export function validateTimeZone(scope: IConstruct, timeZone: string): string {
  if (!isIanaTimeZone(timeZone)) {
    fail(scope, `timeZone must be an IANA time zone name such as "Europe/Berlin" or "Etc/UTC", got ${show(timeZone)}`);
  }
  return timeZone;
}

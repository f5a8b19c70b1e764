/**
 * Cron schedules in plain words, for the subset CronJobs and Argo CronWorkflows accept (see
 * `core/schedule.ts`): five fields with `*`, `?`, values, ranges, steps, lists and month/day
 * names, or a descriptor (`@daily`, `@every 6h`). No npm cron describer is a dependency; this
 * one is small and covered by tests case by case.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = MONTHS.map((m) => m.slice(0, 3).toUpperCase());
const DAY_NAMES = DAYS.map((d) => d.slice(0, 3).toUpperCase());

const DESCRIPTORS: Record<string, string> = {
  '@yearly': 'every year on January 1 at 00:00',
  '@annually': 'every year on January 1 at 00:00',
  '@monthly': 'on day 1 of every month at 00:00',
  '@weekly': 'every Sunday at 00:00',
  '@daily': 'every day at 00:00',
  '@midnight': 'every day at 00:00',
  '@hourly': 'every hour at minute 0',
};

const pad = (n: number) => String(n).padStart(2, '0');
const ordinal = (n: number) => `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;

/** Joins `a, b and c`. */
function and(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** A token's number (names for months/days); undefined when not a plain value. */
function value(token: string, names?: string[], offset = 0): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const i = names?.indexOf(token.toUpperCase()) ?? -1;
  return i < 0 ? undefined : i + offset;
}

/** The plain numbers of a field made of values only (`1,15`), else undefined. */
function values(field: string, names?: string[], offset = 0): number[] | undefined {
  const out: number[] = [];
  for (const part of field.split(',')) {
    const n = value(part, names, offset);
    if (n === undefined) return undefined;
    out.push(n);
  }
  return out;
}

/** Words for one field: `word(n)` names a value (`Monday`, `14`), `unit` the field (`minute`). */
function words(field: string, unit: string, word: (n: number) => string, names?: string[], offset = 0): string {
  return and(field.split(',').map((part) => {
    const [range, step] = part.split('/');
    const every = step !== undefined && step !== '1' ? `every ${ordinal(Number(step))} ${unit}` : `every ${unit}`;
    if (range === '*' || range === '?') return every;
    const [a, b] = range.split('-').map((t) => value(t, names, offset));
    if (a === undefined) return part;
    if (b === undefined) return step !== undefined ? `${every} from ${word(a)}` : word(a);
    return step !== undefined ? `${every} from ${word(a)} to ${word(b)}` : `${word(a)} to ${word(b)}`;
  }));
}

const isAny = (f: string) => f === '*' || f === '?';

function timeWords(minute: string, hour: string): string {
  const ms = values(minute);
  const hs = values(hour);
  if (ms && hs && ms.length * hs.length <= 6) return `at ${and(hs.flatMap((h) => ms.map((m) => `${pad(h)}:${pad(m)}`)))}`;
  if (ms && ms.length === 1) {
    if (hour === '*') return `every hour at minute ${ms[0]}`;
    const step = /^\*\/(\d+)$/.exec(hour);
    if (step) return `every ${step[1]} hours at minute ${ms[0]} (from 00:${pad(ms[0])})`;
    const range = /^(\d+)-(\d+)$/.exec(hour);
    if (range) return `every hour from ${pad(Number(range[1]))}:${pad(ms[0])} to ${pad(Number(range[2]))}:${pad(ms[0])}`;
    return `at minute ${ms[0]} of ${words(hour, 'hour', (h) => `${pad(h)}h`)}`;
  }
  const step = /^\*\/(\d+)$/.exec(minute);
  const minutes = minute === '*' ? 'every minute' : step ? `every ${step[1]} minutes` : `at minute ${words(minute, 'minute', String)}`;
  return hour === '*' ? minutes : `${minutes} of ${words(hour, 'hour', (h) => `${pad(h)}h`)}`;
}

function dayWords(dom: string, month: string, dow: string): string {
  const days = dow === '1-5' || dow.toUpperCase() === 'MON-FRI' ? 'Monday to Friday' : words(dow, 'day of the week', (d) => DAYS[d % 7], DAY_NAMES);
  const dates = `${/^\d+$/.test(dom) ? 'day' : 'days'} ${words(dom, 'day', String)} of the month`;
  let out: string;
  if (isAny(dom) && isAny(dow)) out = 'every day';
  else if (isAny(dom)) out = `on ${days}`;
  else if (isAny(dow)) out = `on ${dates}`;
  // Both set: the controller runs when either matches (robfig/cron, like Vixie cron).
  else out = `on ${dates} or on ${days}`;
  if (!isAny(month)) out += ` in ${words(month, 'month', (m) => MONTHS[m - 1] ?? String(m), MONTH_NAMES, 1)}`;
  return out;
}

/**
 * A cron schedule in plain words, e.g. `0 2 * * 1-5` → `on Monday to Friday at 02:00`. An
 * expression outside the accepted subset is returned quoted as `cron "<expr>"`.
 */
export function describeCron(schedule: string): string {
  const s = String(schedule ?? '').trim();
  if (DESCRIPTORS[s]) return DESCRIPTORS[s];
  const every = /^@every\s+(\S+)$/.exec(s);
  if (every) return `every ${every[1]} (counted from when the controller started)`;
  const f = s.split(/\s+/);
  if (f.length !== 5 || !f.every((x) => /^[A-Za-z0-9*?,/-]+$/.test(x))) return `cron ${JSON.stringify(s)}`;
  const [minute, hour, dom, month, dow] = f;
  const time = timeWords(minute, hour);
  const days = dayWords(dom, month, dow);
  if (time.startsWith('every') && days === 'every day') return time;
  return time.startsWith('every') ? `${time}, ${days}` : `${days} ${time}`;
}

/** The schedule with its time zone: the CronJob's `timeZone`, else the controller's (UTC on most clusters). */
export function describeSchedule(schedule: string, timeZone?: string): string {
  const zone = timeZone ? timeZone : 'the time zone of kube-controller-manager (no timeZone set)';
  return `${describeCron(schedule)}, ${zone}`;
}

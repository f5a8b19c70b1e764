/**
 * Cron schedules and time zones (src/core/schedule.ts) at their edges: every field's bounds, names,
 * steps, ranges, descriptors, and each message. Expected values spelled out.
 */
import { App, Chart } from 'cdk8s';
import { isIanaTimeZone, validateCronSchedule } from '../../src/core/schedule';

const chart = () => new Chart(new App(), 'ml');
const ok = (s: string) => validateCronSchedule(chart(), s);
/** The whole error message (toThrow with a string would accept any message containing it). */
const fails = (s: string): string => {
  try {
    validateCronSchedule(chart(), s);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(s)}`);
};

describe('validateCronSchedule', () => {
  test('accepts each field at both bounds, names, steps, lists, ranges and "?"', () => {
    expect(ok('0 0 1 1 0')).toBe('0 0 1 1 0');
    expect(ok('59 23 31 12 6')).toBe('59 23 31 12 6');
    expect(ok('*/15 0-23/2 1,15 JAN-dec mon-FRI')).toBe('*/15 0-23/2 1,15 JAN-dec mon-FRI');
    expect(ok('  0   2 ? * ?  ')).toBe('0 2 ? * ?');
    expect(ok('0 2 * DEC SUN')).toBe('0 2 * DEC SUN');
    // day-of-week names count from SUN = 0 (month names from JAN = 1): SAT is 6, within 0-6
    expect(ok('0 2 * * SUN-SAT')).toBe('0 2 * * SUN-SAT');
    expect(ok('0 2 * * sat')).toBe('0 2 * * sat');
    expect(ok('5-5 3 * * *')).toBe('5-5 3 * * *');
  });

  test('descriptors and @every', () => {
    for (const d of ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@every 1h30m', '@every 90s', '@every 5m']) expect(ok(` ${d} `)).toBe(d);
  });

  test('fails on an empty or non-string schedule', () => {
    expect(fails('  ')).toBe('ml: schedule must be a cron expression such as "0 2 * * *", got "  "');
    expect(fails(5 as unknown as string)).toBe('ml: schedule must be a cron expression such as "0 2 * * *", got 5');
  });

  test('fails on a time zone in the schedule', () => {
    expect(fails('TZ=UTC 0 2 * * *')).toBe('ml: schedule "TZ=UTC 0 2 * * *" must not carry a time zone; set timeZone instead');
    expect(fails('CRON_TZ=UTC 0 2 * * *')).toBe('ml: schedule "CRON_TZ=UTC 0 2 * * *" must not carry a time zone; set timeZone instead');
  });

  test('fails on an unknown descriptor', () => {
    // robfig/cron takes the duration after the exact prefix "@every " (one space) with Go's time.ParseDuration
    for (const d of ['@often', '@every', '@every 5', '@every 5x', '@daily2', '@every  2h', '@every\t2h', '@every 1h5', '@x @every 1h']) {
      expect(fails(d)).toBe(`ml: schedule ${JSON.stringify(d)} is not a known descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every <duration>)`);
    }
  });

  test('fails on a field count other than 5', () => {
    expect(fails('0 2 * *')).toBe('ml: schedule "0 2 * *" must have 5 fields (minute hour day-of-month month day-of-week), got 4');
    expect(fails('0 0 2 * * *')).toBe('ml: schedule "0 0 2 * * *" must have 5 fields (minute hour day-of-month month day-of-week), got 6');
  });

  test('fails on values outside each field\'s bounds', () => {
    expect(fails('60 2 * * *')).toBe('ml: schedule "60 2 * * *": minute field 60 is outside 0-59');
    expect(fails('0 24 * * *')).toBe('ml: schedule "0 24 * * *": hour field 24 is outside 0-23');
    expect(fails('0 2 0 * *')).toBe('ml: schedule "0 2 0 * *": day of month field 0 is outside 1-31');
    expect(fails('0 2 32 * *')).toBe('ml: schedule "0 2 32 * *": day of month field 32 is outside 1-31');
    expect(fails('0 2 * 0 *')).toBe('ml: schedule "0 2 * 0 *": month field 0 is outside 1-12');
    expect(fails('0 2 * 13 *')).toBe('ml: schedule "0 2 * 13 *": month field 13 is outside 1-12');
    expect(fails('0 2 * * 7')).toBe('ml: schedule "0 2 * * 7": day of week field 7 is outside 0-6');
  });

  test('fails on names where none are allowed, unknown names, "?" outside the day fields', () => {
    expect(fails('MON 2 * * *')).toBe('ml: schedule "MON 2 * * *": minute field "MON" is not a number');
    expect(fails('0 2 * JANUARY *')).toBe('ml: schedule "0 2 * JANUARY *": month field "JANUARY" is not a number or a name');
    expect(fails('? 2 * * *')).toBe('ml: schedule "? 2 * * *": minute field "?" is not a number');
    expect(fails('x5 2 * * *')).toBe('ml: schedule "x5 2 * * *": minute field "x5" is not a number');
    expect(fails('5x 2 * * *')).toBe('ml: schedule "5x 2 * * *": minute field "5x" is not a number');
    expect(fails('0 2 * 1JAN *')).toBe('ml: schedule "0 2 * 1JAN *": month field "1JAN" is not a number or a name');
    // one bad bound of a range is enough
    expect(fails('1-x 2 * * *')).toBe('ml: schedule "1-x 2 * * *": minute field "1-x" is not a number');
    expect(fails('0 2 * * MON-x')).toBe('ml: schedule "0 2 * * MON-x": day of week field "MON-x" is not a number or a name');
    // a time zone only counts at the start; elsewhere it is a malformed field
    expect(fails('0 2 * * TZ=UTC')).toBe('ml: schedule "0 2 * * TZ=UTC": day of week field "TZ=UTC" is not a number or a name');
    expect(fails('0 2 * * SUN-MON-TUE')).toBe('ml: schedule "0 2 * * SUN-MON-TUE": day of week field "SUN-MON-TUE" is not a value or a range');
  });

  test('fails on bad steps and backwards ranges', () => {
    expect(fails('*/0 2 * * *')).toBe('ml: schedule "*/0 2 * * *": minute field step "0" must be a positive integer');
    expect(fails('*/x 2 * * *')).toBe('ml: schedule "*/x 2 * * *": minute field step "x" must be a positive integer');
    expect(fails('*/x5 2 * * *')).toBe('ml: schedule "*/x5 2 * * *": minute field step "x5" must be a positive integer');
    expect(fails('*/5x 2 * * *')).toBe('ml: schedule "*/5x 2 * * *": minute field step "5x" must be a positive integer');
    expect(fails('*/5/2 2 * * *')).toBe('ml: schedule "*/5/2 2 * * *": minute field "*/5/2" has more than one "/"');
    expect(fails('0 5-3 * * *')).toBe('ml: schedule "0 5-3 * * *": hour field range "5-3" is backwards');
    expect(fails('0 2 * DEC-JAN *')).toBe('ml: schedule "0 2 * DEC-JAN *": month field range "DEC-JAN" is backwards');
  });
});

describe('isIanaTimeZone', () => {
  test('canonical zones, UTC and GMT, and aliases', () => {
    for (const z of ['Europe/Berlin', 'America/Argentina/Buenos_Aires', 'UTC', 'GMT', 'Etc/UTC', 'Etc/GMT+5', 'US/Pacific', 'Asia/Kolkata']) {
      expect([z, isIanaTimeZone(z)]).toEqual([z, true]);
    }
  });

  test('Etc/GMT offsets of two digits, links of the backward file, legacy names Go still ships', () => {
    for (const z of ['Etc/GMT-14', 'Etc/GMT+12', 'Etc/GMT-0', 'Asia/Calcutta', 'Europe/Kyiv', 'Europe/Kiev', 'EST5EDT', 'Factory']) {
      expect([z, isIanaTimeZone(z)]).toEqual([z, true]);
    }
  });

  test('refuses offsets, abbreviations that are not zones, lowercase and non-strings', () => {
    for (const z of ['+02:00', 'europe/berlin', 'Mars/Olympus', 'Europe/', '', 'CEST']) expect([z, isIanaTimeZone(z)]).toEqual([z, false]);
    expect(isIanaTimeZone(1 as unknown as string)).toBe(false);
  });

  test('names ICU resolves but Go\'s case-sensitive lookup refuses: wrong case, Local, Etc/GMT beyond ±14', () => {
    // each resolves in Intl.DateTimeFormat (Node's ICU), but the API server's LoadLocation finds no such file
    for (const z of ['Europe/BERLIN', 'US/PACIFIC', 'America/Los_angeles', 'ETC/UTC', 'Etc/utc', 'Etc/Gmt+5', 'utc']) {
      expect([z, isIanaTimeZone(z)]).toEqual([z, false]);
    }
    for (const z of ['Local', 'Etc/GMT+13', 'Etc/GMT-15', 'Europe/Berlin ', ' UTC', 'Europe//Berlin', 'posix/Europe/Berlin']) {
      expect([z, isIanaTimeZone(z)]).toEqual([z, false]);
    }
    // a non-string that prints as a zone name is no name
    expect(isIanaTimeZone({ toString: () => 'UTC' } as unknown as string)).toBe(false);
  });
});

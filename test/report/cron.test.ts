import { describeCron, describeSchedule } from '../../src/report/cron';

describe('describeCron', () => {
  test.each([
    ['0 2 * * *', 'every day at 02:00'],
    ['30 3 * * 1-5', 'on Monday to Friday at 03:30'],
    ['30 3 * * MON-FRI', 'on Monday to Friday at 03:30'],
    ['0 9 * * MON,THU', 'on Monday and Thursday at 09:00'],
    ['0 0 * * 0', 'on Sunday at 00:00'],
    ['0 0 * * 7', 'on Sunday at 00:00'],
    ['*/15 * * * *', 'every 15 minutes'],
    ['* * * * *', 'every minute'],
    ['0 * * * *', 'every hour at minute 0'],
    ['0 */6 * * *', 'every 6 hours at minute 0 (from 00:00)'],
    ['15 8-18 * * *', 'every hour from 08:15 to 18:15'],
    ['0 2,14 * * *', 'every day at 02:00 and 14:00'],
    ['0 0 1 * *', 'on day 1 of the month at 00:00'],
    ['0 0 1,15 * *', 'on days 1 and 15 of the month at 00:00'],
    ['0 0 ? * SAT', 'on Saturday at 00:00'],
    ['0 0 * JAN-MAR SUN', 'on Sunday in January to March at 00:00'],
    ['0 4 1 6 *', 'on day 1 of the month in June at 04:00'],
    ['5 4 1 * 0', 'on day 1 of the month or on Sunday at 04:05'],
    ['*/10 9-17 * * 1-5', 'every 10 minutes of 09h to 17h, on Monday to Friday'],
    ['@daily', 'every day at 00:00'],
    ['@midnight', 'every day at 00:00'],
    ['@hourly', 'every hour at minute 0'],
    ['@weekly', 'every Sunday at 00:00'],
    ['@monthly', 'on day 1 of every month at 00:00'],
    ['@yearly', 'every year on January 1 at 00:00'],
    ['@every 6h', 'every 6h (counted from when the controller started)'],
  ])('%s → %s', (schedule, words) => {
    expect(describeCron(schedule)).toBe(words);
  });

  test('fails soft on expressions outside the subset: quoted as given', () => {
    expect(describeCron('0 2 * *')).toBe('cron "0 2 * *"');
    expect(describeCron('TZ=UTC 0 2 * * *')).toBe('cron "TZ=UTC 0 2 * * *"');
    expect(describeCron('')).toBe('cron ""');
  });

  test('describeSchedule names the time zone, or says whose applies when none is set', () => {
    expect(describeSchedule('0 2 * * *', 'Europe/Berlin')).toBe('every day at 02:00, Europe/Berlin');
    expect(describeSchedule('0 2 * * *')).toBe('every day at 02:00, the time zone of kube-controller-manager (no timeZone set)');
  });
});

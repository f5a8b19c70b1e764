/**
 * isIanaTimeZone (src/core/schedule.ts) against the API server: every name we accept is accepted
 * in a dry-run CronJob's `timeZone`, and the look-alikes we refuse (names Node's ICU resolves,
 * but Go's case-sensitive time.LoadLocation does not find) are refused there too.
 */
import { isIanaTimeZone } from '../../src/core/schedule';
import { TIME_ZONE_NAMES } from '../../src/core/time-zones';
import { Kube } from './support/kube';
import { ensureNamespaces, kube } from './support/cluster';

const NS = 'time-zone-check';
let k: Kube;
beforeAll(async () => {
  k = kube();
  expect(await ensureNamespaces(k, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: NS } }])).toEqual([]);
});
afterAll(() => k.close());

/** The API server's verdict on `timeZone`: 'accepted', or its message. */
async function verdict(timeZone: string): Promise<string> {
  const cronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tz', namespace: NS },
    spec: {
      schedule: '0 2 * * *',
      timeZone,
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [{ name: 'main', image: 'busybox:1.36.1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
            },
          },
        },
      },
    },
  };
  const res = await k.create(cronJob, { dryRun: true });
  if (res.status === 201) return 'accepted';
  if (res.status !== 422) throw new Error(`dry-run CronJob ${JSON.stringify(timeZone)}: HTTP ${res.status}: ${res.body?.message ?? res.text}`);
  return res.body.message;
}

test(`every one of the ${TIME_ZONE_NAMES.size} names isIanaTimeZone accepts is accepted by the server`, async () => {
  const refused: string[] = [];
  for (const name of TIME_ZONE_NAMES) {
    expect(isIanaTimeZone(name)).toBe(true);
    const v = await verdict(name);
    if (v !== 'accepted') refused.push(`${name}: ${v}`);
  }
  expect(refused).toEqual([]);
});

test('names ICU resolves but isIanaTimeZone refuses are refused by the server', async () => {
  const lookAlikes = ['Europe/BERLIN', 'US/PACIFIC', 'America/Los_angeles', 'ETC/UTC', 'Etc/utc', 'Etc/Gmt+5', 'utc', 'Local', 'Etc/GMT+13', 'Mars/Olympus'];
  const server: Array<[string, boolean]> = [];
  for (const z of lookAlikes) server.push([z, (await verdict(z)) === 'accepted']);
  expect(server).toEqual(lookAlikes.map((z) => [z, isIanaTimeZone(z)]));
  expect(server.every(([, accepted]) => !accepted)).toBe(true);
});

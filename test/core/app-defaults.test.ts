/**
 * core/app-defaults: the App-wide defaults and checks run inside app.synth() / synthYaml() only,
 * and the wrapped methods stay ordinary writable, configurable properties.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { enrollInAppDefaults, registerAppCheck } from '../../src/core/app-defaults';

const KEY = 'test:app-defaults';
const calls: App[] = [];
registerAppCheck(KEY, (app) => {
  calls.push(app);
  return [];
});

const enrolledApp = (): App => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-defaults-')) });
  enrollInAppDefaults(new Chart(app, 'c'));
  return app;
};

describe('enrollInAppDefaults', () => {
  test('checks run during synthYaml only: a node validation after it runs none', () => {
    const app = enrolledApp();
    calls.length = 0;
    app.synthYaml();
    const during = calls.length;
    expect(during).toBeGreaterThan(0);
    expect(calls.every((a) => a === app)).toBe(true);
    expect(app.node.validate()).toEqual([]);
    expect(calls.length).toBe(during);
  });

  test('synth and synthYaml stay writable and configurable: a user can still wrap or spy on them', () => {
    const app = enrolledApp();
    const spy = jest.spyOn(app, 'synthYaml');
    app.synthYaml();
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    for (const method of ['synth', 'synthYaml'] as const) {
      expect(Object.getOwnPropertyDescriptor(app, method)).toMatchObject({ writable: true, configurable: true });
    }
  });
});

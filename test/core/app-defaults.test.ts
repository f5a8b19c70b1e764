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
    expect(calls).toEqual([app]);
    expect(app.node.validate()).toEqual([]);
    expect(calls).toEqual([app]);
  });

  test('checks run once per synth, though cdk8s validates the app again for every chart it renders', () => {
    const app = enrolledApp();
    new Chart(app, 'second');
    new Chart(app, 'third');
    calls.length = 0;
    app.synthYaml();
    expect(calls).toEqual([app]);
    app.synth();
    expect(calls).toEqual([app, app]);
    app.synthYaml();
    expect(calls).toEqual([app, app, app]);
  });

  test('a failing check fails that synth only: the next synth runs the checks again', () => {
    const app = enrolledApp();
    let fail = true;
    registerAppCheck('test:app-defaults-failing', () => (fail ? ['broken'] : []));
    try {
      calls.length = 0;
      expect(() => app.synthYaml()).toThrow('broken');
      fail = false;
      expect(() => app.synthYaml()).not.toThrow();
      expect(calls).toEqual([app, app]);
    } finally {
      registerAppCheck('test:app-defaults-failing', () => []);
    }
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

/**
 * packageRoot / findPackageRoot: the walk up to the folder whose package.json is cdk8s-ml,
 * on this checkout and on folders made for the test.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findPackageRoot, packageRoot } from '../../src/core/package-root';

describe('packageRoot', () => {
  test('is this checkout: two folders above test/core', () => {
    const checkout = path.resolve(__dirname, '..', '..');
    expect(packageRoot()).toBe(checkout);
    expect(packageRoot()).toBe(checkout);
    expect(fs.existsSync(path.join(checkout, 'schemas'))).toBe(true);
  });

  test('walks once: later calls reuse the first answer without looking at a file', () => {
    const checkout = path.resolve(__dirname, '..', '..');
    const actual = jest.requireActual<typeof fs>('fs');
    const existsSync = jest.fn(actual.existsSync);
    try {
      jest.isolateModules(() => {
        jest.doMock('fs', () => ({ ...actual, existsSync }));
        const fresh: typeof import('../../src/core/package-root') = require('../../src/core/package-root');
        expect(fresh.packageRoot()).toBe(checkout);
        const walked = existsSync.mock.calls.length;
        expect(walked).toBeGreaterThan(0);
        expect(fresh.packageRoot()).toBe(checkout);
        expect(existsSync).toHaveBeenCalledTimes(walked);
      });
    } finally {
      jest.dontMock('fs');
    }
  });
});

describe('findPackageRoot', () => {
  let top: string;
  const write = (dir: string, manifest: string) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), manifest);
  };
  beforeEach(() => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-root-'));
  });
  afterEach(() => fs.rmSync(top, { recursive: true, force: true }));

  test('the start folder itself when its package.json is cdk8s-ml', () => {
    write(top, '{"name":"cdk8s-ml"}');
    expect(findPackageRoot(top)).toBe(top);
  });

  test('walks up past folders without a package.json and past other packages', () => {
    write(top, '{"name":"cdk8s-ml","version":"1.0.0"}');
    write(path.join(top, 'node_modules', 'other'), '{"name":"other"}');
    const start = path.join(top, 'node_modules', 'other', 'lib', 'src');
    fs.mkdirSync(start, { recursive: true });
    expect(findPackageRoot(start)).toBe(top);
  });

  test('the nearest cdk8s-ml package wins', () => {
    write(top, '{"name":"cdk8s-ml"}');
    write(path.join(top, 'vendor'), '{"name":"cdk8s-ml"}');
    expect(findPackageRoot(path.join(top, 'vendor'))).toBe(path.join(top, 'vendor'));
  });

  test('fails when no folder up to the file-system root is cdk8s-ml', () => {
    write(top, '{"name":"cdk8s-ml-extras"}');
    const start = path.join(top, 'a');
    fs.mkdirSync(start);
    expect(() => findPackageRoot(start)).toThrow(new Error(`cdk8s-ml: cannot find the package root above ${start}`));
  });
});

import * as fs from 'fs';
import * as path from 'path';

let root: string | undefined;

/**
 * The folder of the cdk8s-ml package (holding `schemas/`), found by walking up from this
 * file: the same code runs from `src/` under ts-jest and from `lib/src/` when compiled.
 */
export function packageRoot(): string {
  if (root) return root;
  root = findPackageRoot(__dirname);
  return root;
}

/**
 * The nearest folder at or above `start` whose `package.json` is named `cdk8s-ml`. @internal
 */
export function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'cdk8s-ml') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cdk8s-ml: cannot find the package root above ${start}`);
    dir = parent;
  }
}

/**
 * The validator loaded afresh (jest.isolateModules). Its compiled schema set and module-level
 * tables are built once per module load, so in a suite only the first test would build them:
 * a test of what they decide (ajv options, formats, overlays, name patterns) loads them anew.
 */
import type * as Validate from '../../src/validation/validate';

export function freshValidate(): typeof Validate {
  let mod: typeof Validate | undefined;
  jest.isolateModules(() => {
    mod = require('../../src/validation/validate');
  });
  return mod!;
}

import { MlValidationError } from '../../src/core';

/** The MlValidationError `render` throws; fails the test when it renders or throws anything else. */
export function constructErrorOf(render: () => unknown): MlValidationError {
  try {
    render();
  } catch (e) {
    if (e instanceof MlValidationError) return e;
    throw e;
  }
  throw new Error('expected an MlValidationError, but rendering succeeded');
}

import { IConstruct } from 'constructs';

/** A bad construct prop, found at synth time. The message starts with the construct path. */
export class MlValidationError extends Error {
  constructor(
    /** Path of the construct whose props are wrong, e.g. `ml/train`. */
    public readonly constructPath: string,
    /** The problem, lowercase, with the bad value. */
    public readonly problem: string,
  ) {
    super(`${constructPath}: ${problem}`);
    this.name = 'MlValidationError';
  }
}

/** Throws an {@link MlValidationError} naming `scope`'s path. */
export function fail(scope: IConstruct, problem: string): never {
  throw new MlValidationError(scope.node.path, problem);
}

/** Renders a value for an error message (strings quoted, objects as JSON). */
export function show(value: unknown): string {
  // JSON writes strings quoted and booleans and null as words; a number (NaN, Infinity) or
  // undefined has no JSON form of its own
  if (typeof value === 'number' || value === undefined) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

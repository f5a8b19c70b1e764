// The model path check of ModelServing: the path a runtime loads the model from must lie on a
// volume that holds the model. Internal (not part of the public API).
import { IConstruct } from 'constructs';
import { fail, show } from '../core/errors';

/** Flags by which the supported runtimes name where the model is (vLLM, TGI, Triton, TorchServe). */
const MODEL_FLAGS = ['--model', '--model-id', '--model-repository', '--model-store'];

/** A model location named in container args. @internal */
export interface ModelArg {
  readonly flag: string;
  readonly value: string;
}

/** The model locations named in `args` (`--flag value` and `--flag=value`), in order. @internal */
export function modelArgs(args: readonly string[]): ModelArg[] {
  const out: ModelArg[] = [];
  args.forEach((a, i) => {
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (!MODEL_FLAGS.includes(flag)) return;
    const value = eq > 0 ? a.slice(eq + 1) : args[i + 1];
    if (value !== undefined) out.push({ flag, value });
  });
  return out;
}

function under(path: string, root: string): boolean {
  const r = root.replace(/\/+$/, '');
  return path === r || path.startsWith(`${r}/`) || r === '';
}

/**
 * Fails unless every absolute model path in `args` lies on one of `roots` (the mount paths of
 * the model volumes). Values that are not absolute paths (Hub ids, `s3://` repositories) are
 * fetched by the server itself and pass.
 * @internal
 */
export function checkModelPaths(scope: IConstruct, runtimeKind: string, args: readonly string[], roots: readonly string[], how: string): void {
  for (const { flag, value } of modelArgs(args)) {
    if (!value.startsWith('/')) continue;
    const normal = `/${value.split('/').filter((s) => s !== '' && s !== '.').join('/')}`;
    if (value.split('/').includes('..')) fail(scope, `${runtimeKind} model path ${show(value)} (${flag}) must not contain ".."`);
    if (roots.some((r) => under(normal, r))) continue;
    const mounted = roots.length > 0 ? roots.map((r) => show(r)).join(', ') : 'none';
    fail(
      scope,
      `${runtimeKind} model path ${show(value)} (${flag}) is not on a mounted model volume (mounted model paths: ${mounted}); the server would exit at start and the pods crash-loop. ` +
        `Fix: ${how}`,
    );
  }
}

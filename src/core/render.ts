import { ApiObject } from 'cdk8s';

/** A rewrite of an object's rendered JSON, applied at synth after cdk8s' own JSON patches. */
export type ManifestTransform = (manifest: Record<string, any>) => Record<string, any>;

const TRANSFORMS = new WeakMap<ApiObject, Map<string, ManifestTransform>>();

/**
 * Registers `transform` under `key` on `obj`: every `obj.toJson()` returns the transformed
 * manifest. Registering the same key again replaces the transform (idempotent), so passes
 * that run at each synth can call this freely. Transforms run in registration order.
 * @internal
 */
export function setRenderTransform(obj: ApiObject, key: string, transform: ManifestTransform): void {
  let transforms = TRANSFORMS.get(obj);
  if (!transforms) {
    transforms = new Map();
    TRANSFORMS.set(obj, transforms);
    const original = obj.toJson.bind(obj);
    const list = transforms;
    Object.defineProperty(obj, 'toJson', {
      configurable: true,
      writable: true,
      value: () => {
        let manifest = original();
        for (const fn of list.values()) manifest = fn(manifest);
        return manifest;
      },
    });
  }
  transforms.set(key, transform);
}

/** True when a transform is registered under `key` on `obj`. @internal */
export function hasRenderTransform(obj: ApiObject, key: string): boolean {
  return TRANSFORMS.get(obj)?.has(key) ?? false;
}

/** Returns `manifest` with `metadata.annotations[key] = value`, leaving the input untouched. */
export function withAnnotation(manifest: Record<string, any>, key: string, value: string): Record<string, any> {
  const metadata = manifest.metadata ?? {};
  return { ...manifest, metadata: { ...metadata, annotations: { ...(metadata.annotations ?? {}), [key]: value } } };
}

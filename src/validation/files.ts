import * as fs from 'fs';
import * as path from 'path';

/** Expands files and folders into the sorted list of `.yaml`/`.yml`/`.json` files under them. */
export function manifestFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (p: string): void => {
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      // Stryker disable next-line MethodExpression: Node's readdir (libuv scandir) returns names sorted on Linux already; the sort keeps the documented order on every platform
      for (const entry of fs.readdirSync(p).sort()) visit(path.join(p, entry));
    } else if (/\.(ya?ml|json)$/.test(p)) {
      out.push(p);
    }
  };
  for (const p of paths) visit(p);
  return out;
}

/**
 * Why parsed documents are not Kubernetes manifests, or undefined when they are: a file whose
 * documents are all objects without `apiVersion` and `kind` (such as the
 * `construct-metadata.json` that `cdk8s synth` writes beside the manifests when a validation
 * plugin is configured) is not one. A file with at least one document carrying either field
 * is a manifest file and is checked in full; an empty file holds no objects.
 */
export function notManifestReason(documents: readonly unknown[]): string | undefined {
  if (documents.length === 0) return undefined;
  const looksLikeObject = (d: unknown) => typeof d === 'object' && d !== null && !Array.isArray(d) && ('apiVersion' in d || 'kind' in d);
  if (documents.some(looksLikeObject)) return undefined;
  return 'not a Kubernetes manifest (no document has apiVersion or kind)';
}

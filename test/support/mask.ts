/**
 * Snapshot helper: replaces the DatasetInit fetch script (ConfigMap `cdk8s-ml-fetch-<hash>`)
 * and every reference to its content-hashed name with placeholders, so an edit of
 * src/data/fetch.sh (covered by its own tests) does not break the snapshots of charts that
 * merely use a dataset.
 */
export function maskFetchScript(manifests: any[]): any[] {
  const text = JSON.stringify(
    manifests.map((m) => (m?.kind === 'ConfigMap' && /^cdk8s-ml-fetch-/.test(m.metadata?.name ?? '') ? { ...m, data: { 'fetch.sh': '<masked>' } } : m)),
  );
  return JSON.parse(text.replace(/cdk8s-ml-fetch-[0-9a-f]+/g, 'cdk8s-ml-fetch-<hash>'));
}

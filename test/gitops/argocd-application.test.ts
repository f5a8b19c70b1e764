import { Chart, Testing } from 'cdk8s';
import { ArgoCdApplication, ArgoCdApplicationProps, ArgoSyncPolicy, DEFAULT_SYNC_OPTIONS, SYNTH_METADATA_FILES } from '../../src/gitops';
import { validateManifests } from '../../src/validation/validate';
import { expectValidManifests } from '../../src/testing';

const BASE: ArgoCdApplicationProps = {
  repoURL: 'https://github.com/acme/ml-platform.git',
  path: 'dist',
  targetRevision: 'main',
  destination: { server: 'https://kubernetes.default.svc' },
};

function render(props: Partial<ArgoCdApplicationProps> = {}): { chart: Chart; app: any } {
  const chart = new Chart(Testing.app(), 'argocd');
  new ArgoCdApplication(chart, 'ml-platform', { ...BASE, ...props });
  return { chart, app: Testing.synth(chart)[0] };
}

describe('ArgoCdApplication', () => {
  test('renders an Application for the rendered folder, strictly valid against the CRD', () => {
    const { chart, app } = render({ syncPolicy: ArgoSyncPolicy.automated({ prune: true, selfHeal: true }), exclude: '{argocd.k8s.yaml}' });
    expect(app).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'ml-platform', namespace: 'argocd' },
      spec: {
        project: 'default',
        source: { repoURL: BASE.repoURL, path: 'dist', targetRevision: 'main', directory: { recurse: false, exclude: '{argocd.k8s.yaml,construct-metadata.json}' } },
        destination: { server: 'https://kubernetes.default.svc' },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: [...DEFAULT_SYNC_OPTIONS] },
      },
    });
    expect(app.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(app.spec.syncPolicy.syncOptions.some((o: string) => o.startsWith('CreateNamespace'))).toBe(false);
    expect(app.spec.ignoreDifferences[0]).toEqual({ group: 'batch', kind: 'Job', jsonPointers: ['/spec/template/spec/nodeSelector', '/spec/template/spec/tolerations'] });
    // suspend is Kueue's alone: not rendered, so not ignored either
    expect(JSON.stringify(app.spec.ignoreDifferences)).not.toContain('suspend');
    expect(app.metadata.finalizers).toBeUndefined();
    for (const v of ['1.28', '1.31', '1.33'] as const) expectValidManifests(chart, { kubernetesVersion: v });
    expect(app).toMatchSnapshot();
  });

  test('excludes the synth metadata files (construct-metadata.json) from its source by default; opting out keeps the glob as given', () => {
    const directory = (props: Partial<ArgoCdApplicationProps>) => render(props).app.spec.source.directory;
    expect(SYNTH_METADATA_FILES).toEqual(['construct-metadata.json']);
    expect(directory({})).toEqual({ recurse: false, exclude: '{construct-metadata.json}' });
    expect(directory({ recurse: true })).toEqual({ recurse: true, exclude: '{construct-metadata.json}' });
    expect(directory({ exclude: '{argocd.k8s.yaml,secrets/*}' })).toEqual({ recurse: false, exclude: '{argocd.k8s.yaml,secrets/*,construct-metadata.json}' });
    expect(directory({ exclude: 'argocd.k8s.yaml' })).toEqual({ recurse: false, exclude: '{argocd.k8s.yaml,construct-metadata.json}' });
    expect(directory({ exclude: '{construct-metadata.json}' })).toEqual({ recurse: false, exclude: '{construct-metadata.json}' });
    expect(directory({ excludeSynthMetadata: false })).toBeUndefined();
    expect(directory({ excludeSynthMetadata: false, exclude: '{argocd.k8s.yaml}' })).toEqual({ recurse: false, exclude: '{argocd.k8s.yaml}' });
  });

  test('fails on an exclude glob with spaces', () => {
    expect(() => render({ exclude: 'argocd.k8s.yaml other.yaml' })).toThrow('argocd/ml-platform: exclude must be a glob without spaces, got "argocd.k8s.yaml other.yaml"');
  });

  test('manual sync by default; prune and self-heal are opt-in', () => {
    expect(render().app.spec.syncPolicy.automated).toBeUndefined();
    expect(render({ syncPolicy: ArgoSyncPolicy.automated() }).app.spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: false });
  });

  test('destination by cluster name, cascade delete, custom options stay CRD-valid', () => {
    const { chart, app } = render({ destination: { name: 'gpu-prod', namespace: 'team-a' }, cascadeDelete: true, syncOptions: [], retryLimit: 0, kueueManaged: false, project: 'ml' });
    expect(app.spec.destination).toEqual({ name: 'gpu-prod', namespace: 'team-a' });
    expect(app.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(app.spec.syncPolicy).toEqual({});
    expect(app.spec.ignoreDifferences).toBeUndefined();
    expect(validateManifests(chart).findings).toEqual([]);
  });

  test('fails on a repository URL that is not a URL', () => {
    expect(() => render({ repoURL: 'acme/ml-platform' })).toThrow('argocd/ml-platform: repoURL must be an https://, ssh:// or git@ repository URL, got "acme/ml-platform"');
  });

  test('fails on an absolute or escaping path', () => {
    expect(() => render({ path: '/dist' })).toThrow('argocd/ml-platform: path must be a folder relative to the repository root (no leading "/", no ".."), got "/dist"');
    expect(() => render({ path: 'a/../../etc' })).toThrow('got "a/../../etc"');
  });

  test('fails on both destination server and name', () => {
    expect(() => render({ destination: { server: 'https://k8s.example.com', name: 'prod' } })).toThrow('argocd/ml-platform: destination takes server or name, not both');
  });

  test('fails on a malformed sync option', () => {
    expect(() => render({ syncOptions: ['ServerSideApply'] })).toThrow('argocd/ml-platform: sync option must look like "Name=value", got "ServerSideApply"');
  });

  test('fails on an empty target revision', () => {
    expect(() => render({ targetRevision: ' ' })).toThrow('argocd/ml-platform: targetRevision must be a branch, tag or commit, got " "');
  });
});

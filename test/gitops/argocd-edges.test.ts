/**
 * ArgoCdApplication options at their edges (src/gitops/argocd-application.ts): the exclude glob,
 * retries, destination, names, Kueue's ignoreDifferences, and the validation messages not covered
 * by argocd-application.test.ts. Expected values spelled out.
 */
import { Chart, Testing } from 'cdk8s';
import { ArgoCdApplication, ArgoCdApplicationProps, ArgoSyncPolicy } from '../../src/gitops/argocd-application';

const BASE: ArgoCdApplicationProps = { repoURL: 'https://github.com/acme/ml.git', path: 'dist', targetRevision: 'main', destination: {} };

function render(props: Partial<ArgoCdApplicationProps> = {}, id = 'ml-platform'): any {
  const chart = new Chart(Testing.app(), 'argocd');
  new ArgoCdApplication(chart, id, { ...BASE, ...props });
  return Testing.synth(chart)[0];
}
const fails = (props: Partial<ArgoCdApplicationProps>) => () => render(props);

describe('exclude glob', () => {
  const directory = (props: Partial<ArgoCdApplicationProps>) => render(props).spec.source.directory;
  test('the synth metadata alone, a user glob joined into one alternation, an alternation extended', () => {
    expect(directory({})).toEqual({ recurse: false, exclude: '{construct-metadata.json}' });
    expect(directory({ exclude: '' })).toEqual({ recurse: false, exclude: '{construct-metadata.json}' });
    expect(directory({ exclude: '*.md' })).toEqual({ recurse: false, exclude: '{*.md,construct-metadata.json}' });
    expect(directory({ exclude: '{a.yaml,b.yaml}' })).toEqual({ recurse: false, exclude: '{a.yaml,b.yaml,construct-metadata.json}' });
    expect(directory({ exclude: '{construct-metadata.json,x}' })).toEqual({ recurse: false, exclude: '{construct-metadata.json,x}' });
    expect(directory({ exclude: '{a}{b}' })).toEqual({ recurse: false, exclude: '{{a}{b},construct-metadata.json}' });
  });

  test('without the synth metadata: the user glob as given, or no directory block at all', () => {
    expect(directory({ excludeSynthMetadata: false })).toBeUndefined();
    expect(directory({ excludeSynthMetadata: false, exclude: '*.md' })).toEqual({ recurse: false, exclude: '*.md' });
    expect(directory({ excludeSynthMetadata: false, recurse: true })).toEqual({ recurse: true });
    expect(directory({ recurse: true })).toEqual({ recurse: true, exclude: '{construct-metadata.json}' });
  });

  test('fails on an exclude that is not a string', () => {
    expect(fails({ exclude: 3 as unknown as string })).toThrow('argocd/ml-platform: exclude must be a glob without spaces, got 3');
    expect(fails({ exclude: 'a\tb' })).toThrow('argocd/ml-platform: exclude must be a glob without spaces, got "a\\tb"');
  });
});

describe('sync policy and retries', () => {
  test('automated defaults to no prune and no self-heal; allowEmpty passes through', () => {
    expect(ArgoSyncPolicy.automated().automated).toEqual({ prune: false, selfHeal: false, allowEmpty: undefined });
    expect(render({ syncPolicy: ArgoSyncPolicy.automated({ allowEmpty: true }) }).spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: false, allowEmpty: true });
    expect(ArgoSyncPolicy.manual().automated).toBeUndefined();
  });

  test('5 retries with backoff by default, none at 0; no sync options when given none', () => {
    expect(render().spec.syncPolicy.retry).toEqual({ limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } });
    expect(render({ retryLimit: 1 }).spec.syncPolicy.retry.limit).toBe(1);
    expect(render({ retryLimit: 0, syncOptions: [] }).spec.syncPolicy).toEqual({});
  });

  test('fails on a negative or fractional retry limit', () => {
    expect(fails({ retryLimit: -1 })).toThrow('argocd/ml-platform: retryLimit must be a non-negative integer, got -1');
    expect(fails({ retryLimit: 1.5 })).toThrow('argocd/ml-platform: retryLimit must be a non-negative integer, got 1.5');
  });

  test('sync options: Name=value only', () => {
    expect(render({ syncOptions: ['Validate=false', 'A=b-c_d.e'] }).spec.syncPolicy.syncOptions).toEqual(['Validate=false', 'A=b-c_d.e']);
    for (const o of ['Validate', '=x', 'A=b c', 'A1=b', ' A=b']) {
      expect(fails({ syncOptions: [o] })).toThrow(`argocd/ml-platform: sync option must look like "Name=value", got ${JSON.stringify(o)}`);
    }
  });
});

describe('source, destination, names', () => {
  test('repository URLs: https, ssh and scp-like git@', () => {
    for (const repoURL of ['https://x/y.git', 'ssh://git@x/y.git', 'git@github.com:acme/ml.git']) expect(render({ repoURL }).spec.source.repoURL).toBe(repoURL);
    for (const repoURL of ['http://x/y.git', 'https://', 'https://x/ y', 'ftp://x', 'x https://y']) {
      expect(fails({ repoURL })).toThrow(`argocd/ml-platform: repoURL must be an https://, ssh:// or git@ repository URL, got ${JSON.stringify(repoURL)}`);
    }
  });

  test('fails on a repoURL that is not a string, even one whose text is a valid URL', () => {
    expect(fails({ repoURL: ['https://x/y.git'] as unknown as string })).toThrow('argocd/ml-platform: repoURL must be an https://, ssh:// or git@ repository URL, got ["https://x/y.git"]');
  });

  test('fails on an empty targetRevision', () => {
    expect(fails({ targetRevision: '' })).toThrow('argocd/ml-platform: targetRevision must be a branch, tag or commit, got ""');
  });

  test('fails on a server URL with text before https:// or a space after the host', () => {
    for (const server of ['xhttps://10.0.0.1:6443', 'https://10.0.0.1:6443 x']) {
      expect(fails({ destination: { server } })).toThrow(`argocd/ml-platform: destination.server must be an https:// API server URL, got ${JSON.stringify(server)}`);
    }
  });

  test('fails on a name or project that is not a DNS-1123 subdomain, naming the prop', () => {
    expect(fails({ name: 'ML' })).toThrow('argocd/ml-platform: name must be a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters), got "ML"');
    expect(fails({ project: 'Team_A' })).toThrow('argocd/ml-platform: project must be a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters), got "Team_A"');
  });

  test('paths and revisions', () => {
    expect(render({ path: 'a/b..c/d' }).spec.source.path).toBe('a/b..c/d');
    expect(fails({ path: '' })).toThrow('argocd/ml-platform: path must be a folder relative to the repository root (no leading "/", no ".."), got ""');
    expect(fails({ path: 3 as unknown as string })).toThrow('argocd/ml-platform: path must be a folder relative to the repository root (no leading "/", no ".."), got 3');
    expect(fails({ targetRevision: 'a b' })).toThrow('argocd/ml-platform: targetRevision must be a branch, tag or commit, got "a b"');
    expect(fails({ targetRevision: ' ' })).toThrow('argocd/ml-platform: targetRevision must be a branch, tag or commit, got " "');
    expect(fails({ targetRevision: undefined as unknown as string })).toThrow('argocd/ml-platform: targetRevision must be a branch, tag or commit, got undefined');
  });

  test('destination: the in-cluster server by default, a server, or a name; a namespace', () => {
    expect(render().spec.destination).toEqual({ server: 'https://kubernetes.default.svc' });
    expect(render({ destination: { server: 'https://10.0.0.1:6443', namespace: 'team-a' } }).spec.destination).toEqual({ server: 'https://10.0.0.1:6443', namespace: 'team-a' });
    expect(render({ destination: { name: 'prod' } }).spec.destination).toEqual({ name: 'prod' });
  });

  test('fails on a server that is not an https URL, and on a bad destination namespace', () => {
    expect(fails({ destination: { server: 'http://x' } })).toThrow('argocd/ml-platform: destination.server must be an https:// API server URL, got "http://x"');
    expect(fails({ destination: { namespace: 'Team' } })).toThrow(/^argocd\/ml-platform: destination\.namespace must be a DNS-1123 label/);
  });

  test('names: from the id by default, the argocd namespace and default project by default', () => {
    const app = render({}, 'My App');
    expect(app.metadata).toMatchObject({ name: 'my-app', namespace: 'argocd' });
    expect(app.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'my-app', 'app.kubernetes.io/instance': 'my-app', 'app.kubernetes.io/component': 'gitops', 'app.kubernetes.io/managed-by': 'cdk8s-ml' });
    expect(app.spec.project).toBe('default');
    const named = render({ name: 'ml', namespace: 'gitops', project: 'team-a' });
    expect([named.metadata.name, named.metadata.namespace, named.spec.project]).toEqual(['ml', 'gitops', 'team-a']);
    expect(named.metadata.annotations).toEqual({ 'ml.cdk8s.io/external': '[{"kind":"Namespace","name":"gitops"}]' });
    expect(fails({ namespace: 'Argo' })).toThrow(/^argocd\/ml-platform: namespace must be a DNS-1123 label/);
  });

  test('Kueue ignoreDifferences by default, none when not Kueue-managed; cascade delete adds the finalizer', () => {
    expect(render().spec.ignoreDifferences).toEqual([
      { group: 'batch', kind: 'Job', jsonPointers: ['/spec/template/spec/nodeSelector', '/spec/template/spec/tolerations'] },
      {
        group: 'jobset.x-k8s.io',
        kind: 'JobSet',
        jqPathExpressions: ['.spec.replicatedJobs[].template.spec.template.spec.nodeSelector', '.spec.replicatedJobs[].template.spec.template.spec.tolerations'],
      },
    ]);
    expect(render({ kueueManaged: false }).spec.ignoreDifferences).toBeUndefined();
    expect(render({ cascadeDelete: true }).metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
  });
});

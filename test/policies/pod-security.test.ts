import { checkPolicies, podViews, safeSysctls } from '../../src/validation/policies';
import { escape, namespaceOf } from '../../src/validation/policies/pods';
import { POD_SECURITY_RULES } from '../../src/validation/policies/pod-security';
import { NS, clone, container, findings, job, networkPolicy, podSpec } from './manifests';

function pod(spec: any = podSpec(), metadata: Record<string, any> = {}): any {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: NS, ...metadata }, spec };
}

/** Each Pod Security rule: how to break a compliant pod, and what the finding says. */
const CASES: Array<{ rule: string; break: (p: any) => void; path: string; message: RegExp }> = [
  {
    rule: 'pss-host-process',
    break: (p) => { p.spec.securityContext.windowsOptions = { hostProcess: true }; },
    path: '/spec/securityContext/windowsOptions/hostProcess',
    message: /hostProcess to true/,
  },
  { rule: 'pss-host-namespaces', break: (p) => { p.spec.hostPID = true; }, path: '/spec/hostPID', message: /hostPID to true/ },
  {
    rule: 'pss-privileged',
    break: (p) => { p.spec.containers[0].securityContext.privileged = true; },
    path: '/spec/containers/0/securityContext/privileged',
    message: /container "main" is privileged/,
  },
  {
    rule: 'pss-capabilities',
    break: (p) => { p.spec.containers[0].securityContext.capabilities = { drop: ['NET_RAW'], add: ['SYS_ADMIN'] }; },
    path: '/spec/containers/0/securityContext/capabilities/drop',
    message: /must drop "ALL" capabilities, got drop \["NET_RAW"\]/,
  },
  {
    rule: 'pss-host-path-volumes',
    break: (p) => { p.spec.volumes.push({ name: 'host', hostPath: { path: '/var/run' } }); },
    path: '/spec/volumes/1/hostPath',
    message: /volume "host" is a hostPath volume \("\/var\/run"\)/,
  },
  {
    rule: 'pss-host-ports',
    break: (p) => { p.spec.containers[0].ports = [{ containerPort: 80, hostPort: 8080 }]; },
    path: '/spec/containers/0/ports/0/hostPort',
    message: /uses hostPort 8080/,
  },
  {
    rule: 'pss-apparmor',
    break: (p) => { p.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/main': 'unconfined' }; },
    path: '/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1main',
    message: /forbidden AppArmor profile "unconfined"/,
  },
  {
    rule: 'pss-selinux',
    break: (p) => { p.spec.securityContext.seLinuxOptions = { type: 'spc_t' }; },
    path: '/spec/securityContext/seLinuxOptions/type',
    message: /forbidden SELinux type "spc_t"/,
  },
  {
    rule: 'pss-proc-mount',
    break: (p) => { p.spec.containers[0].securityContext.procMount = 'Unmasked'; },
    path: '/spec/containers/0/securityContext/procMount',
    message: /sets procMount "Unmasked"/,
  },
  {
    rule: 'pss-seccomp',
    break: (p) => { delete p.spec.securityContext.seccompProfile; },
    path: '/spec/containers/0/securityContext/seccompProfile',
    message: /no RuntimeDefault or Localhost seccomp profile/,
  },
  {
    rule: 'pss-sysctls',
    break: (p) => { p.spec.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }]; },
    path: '/spec/securityContext/sysctls/0/name',
    message: /unsafe sysctl "kernel.msgmax"/,
  },
  {
    rule: 'pss-volume-types',
    break: (p) => { p.spec.volumes.push({ name: 'data', nfs: { server: 'nfs', path: '/data' } }); },
    path: '/spec/volumes/1/nfs',
    message: /volume "data" has the forbidden type "nfs"/,
  },
  {
    rule: 'pss-allow-privilege-escalation',
    break: (p) => { delete p.spec.containers[0].securityContext.allowPrivilegeEscalation; },
    path: '/spec/containers/0/securityContext/allowPrivilegeEscalation',
    message: /must set securityContext.allowPrivilegeEscalation to false, got undefined/,
  },
  {
    rule: 'pss-run-as-non-root',
    break: (p) => { delete p.spec.securityContext.runAsNonRoot; delete p.spec.containers[0].securityContext.runAsNonRoot; },
    path: '/spec/containers/0/securityContext/runAsNonRoot',
    message: /container "main" may run as root/,
  },
  {
    rule: 'pss-run-as-user',
    break: (p) => { p.spec.containers[0].securityContext.runAsUser = 0; },
    path: '/spec/containers/0/securityContext/runAsUser',
    message: /container "main" sets securityContext.runAsUser to 0/,
  },
];

describe('Pod Security "restricted" rules', () => {
  test('cover every pod security rule', () => {
    expect(CASES.map((c) => c.rule).sort()).toEqual(POD_SECURITY_RULES.map((r) => r.id).sort());
  });

  test('a compliant pod passes all rules', () => {
    expect(checkPolicies([pod(), networkPolicy()]).findings).toEqual([]);
  });

  for (const c of CASES) {
    test(`${c.rule}: passes a compliant pod`, () => {
      expect(findings([pod(), networkPolicy()], c.rule)).toEqual([]);
    });

    test(`${c.rule}: fails a pod that breaks it`, () => {
      const p = pod();
      c.break(p);
      const found = findings([p, networkPolicy()], c.rule);
      expect(found.length).toBeGreaterThan(0);
      expect(found[0]).toMatchObject({ object: 'Pod/team-a/p', path: c.path, rule: c.rule, severity: 'error' });
      expect(found[0].message).toMatch(c.message);
      expect(found[0].fix.length).toBeGreaterThan(10);
    });
  }
});

describe('Pod Security details', () => {
  test('capabilities: NET_BIND_SERVICE may be added, anything else may not', () => {
    const ok = pod();
    ok.spec.containers[0].securityContext.capabilities.add = ['NET_BIND_SERVICE'];
    expect(findings([ok], 'pss-capabilities')).toEqual([]);
    const bad = pod();
    bad.spec.containers[0].securityContext.capabilities.add = ['NET_BIND_SERVICE', 'NET_RAW'];
    expect(findings([bad], 'pss-capabilities').map((f) => [f.path, f.message])).toEqual([[
      '/spec/containers/0/securityContext/capabilities/add', 'container "main" adds forbidden capabilities ["NET_RAW"] (only "NET_BIND_SERVICE" may be added)',
    ]]);
  });

  test('run-as-non-root: pod-level true suffices, a container false fails', () => {
    const podLevel = pod();
    delete podLevel.spec.containers[0].securityContext.runAsNonRoot;
    expect(findings([podLevel], 'pss-run-as-non-root')).toEqual([]);
    const overridden = pod();
    overridden.spec.containers[0].securityContext.runAsNonRoot = false;
    expect(findings([overridden], 'pss-run-as-non-root').map((f) => [f.path, f.message])).toEqual([
      ['/spec/containers/0/securityContext/runAsNonRoot', 'container "main" sets securityContext.runAsNonRoot to false'],
    ]);
  });

  test('run-as-non-root: the pod setting false fails at the pod field, even when the container says true', () => {
    const p = pod();
    p.spec.securityContext.runAsNonRoot = false;
    p.spec.containers[0].securityContext.runAsNonRoot = true;
    expect(findings([p], 'pss-run-as-non-root').map((f) => [f.path, f.message])).toEqual([
      ['/spec/securityContext/runAsNonRoot', 'the pod sets securityContext.runAsNonRoot to false'],
    ]);
  });

  test('seccomp: containers may carry the profile instead of the pod; Unconfined always fails', () => {
    const perContainer = pod();
    delete perContainer.spec.securityContext.seccompProfile;
    perContainer.spec.containers[0].securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'p.json' };
    expect(findings([perContainer], 'pss-seccomp')).toEqual([]);
    const unconfined = pod();
    unconfined.spec.containers[0].securityContext.seccompProfile = { type: 'Unconfined' };
    expect(findings([unconfined], 'pss-seccomp').map((f) => [f.path, f.message])).toEqual([
      ['/spec/containers/0/securityContext/seccompProfile/type', 'container "main" sets seccompProfile.type "Unconfined"'],
    ]);
  });

  test('sysctls: the message lists what the version allows; an entry that is no object is unsafe', () => {
    const p = pod();
    p.spec.securityContext.sysctls = [null, { name: 'kernel.shm_rmid_forced', value: '0' }];
    expect(findings([p], 'pss-sysctls').map((f) => [f.path, f.message])).toEqual([[
      '/spec/securityContext/sysctls/0/name',
      `the pod sets the unsafe sysctl undefined (allowed at Kubernetes 1.28: ${safeSysctls('1.28').join(', ')})`,
    ]]);
    expect(safeSysctls('1.28').join(', ')).toBe('kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_local_reserved_ports');
  });

  test('seccomp: an Unconfined pod profile and the legacy unconfined annotations fail, each at its field', () => {
    const p = pod();
    p.spec.securityContext.seccompProfile = { type: 'Unconfined' };
    p.spec.containers[0].securityContext.seccompProfile = { type: 'RuntimeDefault' };
    expect(findings([p], 'pss-seccomp').map((f) => [f.path, f.message])).toEqual([
      ['/spec/securityContext/seccompProfile/type', 'the pod sets seccompProfile.type "Unconfined"'],
    ]);
    const annotated = pod(podSpec(), { annotations: {
      'seccomp.security.alpha.kubernetes.io/pod': 'unconfined',
      'container.seccomp.security.alpha.kubernetes.io/main': 'unconfined',
      'container.seccomp.security.alpha.kubernetes.io/other': 'runtime/default',
      'example.com/pod': 'unconfined',
    } });
    expect(findings([annotated], 'pss-seccomp').map((f) => [f.path, f.message])).toEqual([
      ['/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod', 'annotation seccomp.security.alpha.kubernetes.io/pod sets the seccomp profile "unconfined"'],
      ['/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1main', 'annotation container.seccomp.security.alpha.kubernetes.io/main sets the seccomp profile "unconfined"'],
    ]);
  });

  test('every volume type of the restricted profile passes, one at a time; others fail (hostPath has a rule of its own)', () => {
    const sources: Record<string, any> = {
      configMap: { name: 'c' }, csi: { driver: 'x' }, downwardAPI: { items: [] }, emptyDir: {}, ephemeral: { volumeClaimTemplate: { spec: {} } },
      persistentVolumeClaim: { claimName: 'c' }, projected: { sources: [] }, secret: { secretName: 's' },
    };
    for (const [type, source] of Object.entries(sources)) {
      const p = pod();
      p.spec.volumes = [{ name: 'v', [type]: source }];
      expect({ type, found: findings([p], 'pss-volume-types') }).toEqual({ type, found: [] });
    }
    const nfs = pod();
    nfs.spec.volumes = [{ name: 'v', nfs: { server: 'nas', path: '/data' } }];
    expect(findings([nfs], 'pss-volume-types').map((f) => f.path)).toEqual(['/spec/volumes/0/nfs']);
  });

  test('capabilities a Windows pod may add: the baseline set, one at a time', () => {
    const baseline = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
    for (const cap of baseline) {
      const p = pod();
      p.spec.os = { name: 'windows' };
      p.spec.containers[0].securityContext.capabilities = { add: [cap] };
      expect({ cap, found: findings([p], 'pss-capabilities') }).toEqual({ cap, found: [] });
    }
    const p = pod();
    p.spec.os = { name: 'windows' };
    p.spec.containers[0].securityContext.capabilities = { add: ['SYS_ADMIN'] };
    expect(findings([p], 'pss-capabilities').map((f) => f.message)).toEqual(['container "main" adds forbidden capabilities ["SYS_ADMIN"] (only "NET_BIND_SERVICE" may be added)']);
  });

  test('a pod-level setting is reported as "the pod", a container-level one by its container', () => {
    const p = pod();
    p.spec.securityContext.windowsOptions = { hostProcess: true };
    p.spec.containers[0].securityContext.runAsUser = 0;
    expect(findings([p], 'pss-host-process').map((f) => f.message)).toEqual(['the pod sets securityContext.windowsOptions.hostProcess to true']);
    expect(findings([p], 'pss-run-as-user').map((f) => f.message)).toEqual(['container "main" sets securityContext.runAsUser to 0 (root)']);
  });

  test('host namespaces: hostNetwork, hostPID and hostIPC, each at its field', () => {
    const p = pod();
    Object.assign(p.spec, { hostNetwork: true, hostPID: true, hostIPC: true });
    expect(findings([p], 'pss-host-namespaces').map((f) => [f.path, f.message])).toEqual([
      ['/spec/hostNetwork', 'the pod sets hostNetwork to true'], ['/spec/hostPID', 'the pod sets hostPID to true'], ['/spec/hostIPC', 'the pod sets hostIPC to true'],
    ]);
  });

  test('containers are named in messages by kind (ephemeral too), an unnamed one as <unnamed>', () => {
    const p = pod();
    p.spec.ephemeralContainers = [container('debug', { securityContext: { ...p.spec.containers[0].securityContext, privileged: true } })];
    p.spec.containers.push({ ...container('x'), name: undefined, securityContext: { ...p.spec.containers[0].securityContext, privileged: true } });
    expect(findings([p], 'pss-privileged').map((f) => f.message)).toEqual([
      'container "<unnamed>" is privileged (securityContext.privileged: true)',
      'ephemeral container "debug" is privileged (securityContext.privileged: true)',
    ]);
  });

  test('hostPath (even null) and host ports other than 0 are findings; null volumes, containers and ports are skipped', () => {
    const p = pod();
    p.spec.volumes = [null, { name: 'h', hostPath: null }];
    expect(findings([p], 'pss-host-path-volumes').map((f) => [f.path, f.message])).toEqual([['/spec/volumes/1/hostPath', 'volume "h" is a hostPath volume (undefined)']]);
    // a hostPath volume is the host-path rule's: the volume-type rule does not report it again
    expect(findings([p], 'pss-volume-types')).toEqual([]);
    p.spec.containers[0].ports = [null, { containerPort: 80, hostPort: 0 }, { containerPort: 81, hostPort: 8081 }];
    p.spec.containers.push(null);
    expect(findings([p], 'pss-host-ports').map((f) => [f.path, f.message])).toEqual([['/spec/containers/0/ports/2/hostPort', 'container "main" uses hostPort 8081']]);
  });

  test('init and ephemeral containers are checked too', () => {
    const p = pod();
    p.spec.initContainers = [container('fetch', { securityContext: { capabilities: { drop: ['ALL'] }, runAsNonRoot: true } })];
    const found = findings([p], 'pss-allow-privilege-escalation');
    expect(found.map((f) => f.path)).toEqual(['/spec/initContainers/0/securityContext/allowPrivilegeEscalation']);
    expect(found[0].message).toMatch(/init container "fetch"/);
  });

  test('sysctls: the safe list grows with the Kubernetes version', () => {
    expect(safeSysctls('1.28')).toContain('net.ipv4.ip_local_reserved_ports');
    expect(safeSysctls('1.28')).not.toContain('net.ipv4.tcp_keepalive_time');
    const p = pod();
    p.spec.securityContext.sysctls = [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }];
    expect(findings([p], 'pss-sysctls', { kubernetesVersion: '1.28' })).toHaveLength(1);
    expect(findings([p], 'pss-sysctls', { kubernetesVersion: '1.31' })).toEqual([]);
  });

  test('sysctls: each safe name is allowed from the version that added it, one at a time', () => {
    const since: Array<[string, string]> = [
      ['kernel.shm_rmid_forced', '1.28'], ['net.ipv4.ip_local_port_range', '1.28'], ['net.ipv4.ip_unprivileged_port_start', '1.28'],
      ['net.ipv4.tcp_syncookies', '1.28'], ['net.ipv4.ping_group_range', '1.28'], ['net.ipv4.ip_local_reserved_ports', '1.28'],
      ['net.ipv4.tcp_keepalive_time', '1.29'], ['net.ipv4.tcp_fin_timeout', '1.29'], ['net.ipv4.tcp_keepalive_intvl', '1.29'], ['net.ipv4.tcp_keepalive_probes', '1.29'],
    ];
    for (const [name, version] of since) {
      const p = pod();
      p.spec.securityContext.sysctls = [{ name, value: '1' }];
      expect({ name, found: findings([p], 'pss-sysctls', { kubernetesVersion: version as any }) }).toEqual({ name, found: [] });
      if (version === '1.29') expect({ name, found: findings([p], 'pss-sysctls', { kubernetesVersion: '1.28' }).length }).toEqual({ name, found: 1 });
    }
    expect(safeSysctls('1.28')).toHaveLength(6);
    expect(safeSysctls('1.31')).toHaveLength(10);
    expect(safeSysctls('1.29' as any)).toHaveLength(10); // the boundary itself, though 1.29 is no supported target
  });

  test('selinux: user and role may not be set; container types are allowed', () => {
    const p = pod();
    p.spec.securityContext.seLinuxOptions = { type: 'container_init_t' };
    expect(findings([p], 'pss-selinux')).toEqual([]);
    p.spec.containers[0].securityContext.seLinuxOptions = { user: 'system_u', role: 'sysadm_r' };
    expect(findings([p], 'pss-selinux').map((f) => f.message)).toEqual([
      'container "main" sets a custom SELinux user "system_u"',
      'container "main" sets a custom SELinux role "sysadm_r"',
    ]);
  });

  test('selinux: an empty user or role is none; options that are no object are left to the schema; findings name the field', () => {
    const p = pod();
    p.spec.securityContext.seLinuxOptions = { user: '', role: '' };
    p.spec.containers[0].securityContext.seLinuxOptions = null;
    expect(findings([p], 'pss-selinux')).toEqual([]);
    p.spec.containers[0].securityContext.seLinuxOptions = 'container_t';
    expect(findings([p], 'pss-selinux')).toEqual([]);
    p.spec.containers[0].securityContext.seLinuxOptions = { role: 'sysadm_r' };
    expect(findings([p], 'pss-selinux').map((f) => f.path)).toEqual(['/spec/containers/0/securityContext/seLinuxOptions/role']);
  });

  test('procMount Default is the default: allowed', () => {
    const p = pod();
    p.spec.containers[0].securityContext.procMount = 'Default';
    expect(findings([p], 'pss-proc-mount')).toEqual([]);
  });

  test('selinux: each allowed type passes, one at a time (also an empty type)', () => {
    for (const type of ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']) {
      const p = pod();
      p.spec.securityContext.seLinuxOptions = { type };
      expect({ type, found: findings([p], 'pss-selinux') }).toEqual({ type, found: [] });
    }
  });

  test('apparmor: RuntimeDefault/Localhost fields pass, Unconfined fails', () => {
    const p = pod();
    p.spec.securityContext.appArmorProfile = { type: 'RuntimeDefault' };
    p.spec.containers[0].securityContext.appArmorProfile = { type: 'Unconfined' };
    expect(findings([p], 'pss-apparmor').map((f) => f.path)).toEqual(['/spec/containers/0/securityContext/appArmorProfile/type']);
    p.spec.securityContext.appArmorProfile = { type: 'Unconfined' };
    p.spec.containers[0].securityContext.appArmorProfile = { type: 'Localhost', localhostProfile: 'trainer' };
    expect(findings([p], 'pss-apparmor').map((f) => [f.path, f.message])).toEqual([
      ['/spec/securityContext/appArmorProfile/type', 'the pod sets the forbidden AppArmor profile type "Unconfined"'],
    ]);
  });

  test('apparmor annotations: empty, runtime/default and localhost/<profile> pass; anything else fails at its key', () => {
    const annotations = {
      'container.apparmor.security.beta.kubernetes.io/a': '',
      'container.apparmor.security.beta.kubernetes.io/b': 'runtime/default',
      'container.apparmor.security.beta.kubernetes.io/c': 'localhost/trainer',
      'container.apparmor.security.beta.kubernetes.io/d': 'unconfined',
      'container.apparmor.security.beta.kubernetes.io/e': 'localhost',
      'example.com/apparmor': 'unconfined',
    };
    expect(findings([pod(podSpec(), { annotations })], 'pss-apparmor').map((f) => [f.path, f.message])).toEqual([
      ['/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1d', 'annotation container.apparmor.security.beta.kubernetes.io/d sets the forbidden AppArmor profile "unconfined"'],
      ['/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1e', 'annotation container.apparmor.security.beta.kubernetes.io/e sets the forbidden AppArmor profile "localhost"'],
    ]);
  });

  test('volume types: persistentVolumeClaim, projected, csi, ephemeral, secret, configMap, downwardAPI pass', () => {
    const p = pod();
    p.spec.volumes.push(
      { name: 'a', persistentVolumeClaim: { claimName: 'c' } },
      { name: 'b', projected: { sources: [] } },
      { name: 'c', csi: { driver: 'x' } },
      { name: 'd', ephemeral: { volumeClaimTemplate: { spec: {} } } },
      { name: 'e', secret: { secretName: 's' } },
      { name: 'f', configMap: { name: 'c' } },
      { name: 'g', downwardAPI: { items: [] } },
    );
    expect(findings([p], 'pss-volume-types')).toEqual([]);
  });

  test('a null container entry has no security context: it fails the container rules, never throws', () => {
    const p = pod();
    p.spec.containers.push(null);
    const rules = new Set(checkPolicies([p, networkPolicy()]).findings.filter((f) => f.path.startsWith('/spec/containers/1')).map((f) => f.rule));
    // run-as-non-root and seccomp pass: the compliant pod sets both at pod level
    expect([...rules].sort()).toEqual(['pss-allow-privilege-escalation', 'pss-capabilities', 'resources']);
  });

  test('windows pods are exempt from the Linux-only restricted controls', () => {
    const p = pod();
    p.spec.os = { name: 'windows' };
    delete p.spec.securityContext.seccompProfile;
    delete p.spec.containers[0].securityContext.allowPrivilegeEscalation;
    delete p.spec.containers[0].securityContext.capabilities;
    const rules = checkPolicies([p, networkPolicy()]).findings.map((f) => f.rule);
    expect(rules).not.toContain('pss-seccomp');
    expect(rules).not.toContain('pss-allow-privilege-escalation');
    expect(rules).not.toContain('pss-capabilities');
  });
});

describe('pod templates of every workload kind are checked', () => {
  const bad = () => {
    const spec = podSpec();
    spec.hostNetwork = true;
    return spec;
  };
  const template = (spec: any) => ({ metadata: { labels: { app: 'x' } }, spec });
  const meta = { name: 'w', namespace: NS };
  const cases: Array<[string, any, string]> = [
    ['Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec: { template: template(bad()) } }, '/spec/template/spec/hostNetwork'],
    ['StatefulSet', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta, spec: { template: template(bad()) } }, '/spec/template/spec/hostNetwork'],
    ['DaemonSet', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta, spec: { template: template(bad()) } }, '/spec/template/spec/hostNetwork'],
    ['ReplicaSet', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta, spec: { template: template(bad()) } }, '/spec/template/spec/hostNetwork'],
    ['Job', { apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec: { template: template(bad()) } }, '/spec/template/spec/hostNetwork'],
    ['CronJob', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta, spec: { jobTemplate: { spec: { template: template(bad()) } } } }, '/spec/jobTemplate/spec/template/spec/hostNetwork'],
    [
      'JobSet',
      { apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', metadata: meta, spec: { replicatedJobs: [{ name: 'workers', template: { spec: { template: template(bad()) } } }] } },
      '/spec/replicatedJobs/0/template/spec/template/spec/hostNetwork',
    ],
    [
      'PyTorchJob',
      { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: meta, spec: { pytorchReplicaSpecs: { Worker: { replicas: 2, template: template(bad()) } } } },
      '/spec/pytorchReplicaSpecs/Worker/template/spec/hostNetwork',
    ],
    [
      'TrainingRuntime',
      {
        apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainingRuntime', metadata: meta,
        spec: { template: { spec: { replicatedJobs: [{ name: 'node', template: { spec: { template: template(bad()) } } }] } } },
      },
      '/spec/template/spec/replicatedJobs/0/template/spec/template/spec/hostNetwork',
    ],
    [
      'LeaderWorkerSet',
      { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: meta, spec: { leaderWorkerTemplate: { workerTemplate: template(bad()) } } },
      '/spec/leaderWorkerTemplate/workerTemplate/spec/hostNetwork',
    ],
    ['InferenceService', { apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', metadata: meta, spec: { predictor: bad() } }, '/spec/predictor/hostNetwork'],
    ['PodTemplate', { apiVersion: 'v1', kind: 'PodTemplate', metadata: meta, template: template(bad()) }, '/template/spec/hostNetwork'],
  ];
  for (const [kind, obj, path] of cases) {
    test(kind, () => {
      const found = findings([obj], 'pss-host-namespaces');
      expect(found.map((f) => f.path)).toEqual([path]);
    });
  }

  test('Argo WorkflowTemplate: container, script and init containers, with workflow-level security context', () => {
    const wt = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTemplate',
      metadata: meta,
      spec: {
        securityContext: podSpec().securityContext,
        automountServiceAccountToken: false,
        templates: [
          { name: 'dag', dag: { tasks: [] } },
          { name: 'train', container: container('main', { securityContext: { ...container().securityContext, privileged: true } }) },
          { name: 'eval', script: { image: 'python:3.12', source: 'print(1)', resources: container().resources, securityContext: container().securityContext } },
        ],
      },
    };
    expect(podViews([wt]).map((v) => v.path)).toEqual(['/spec/templates/1', '/spec/templates/2']);
    expect(findings([wt], 'pss-privileged').map((f) => f.path)).toEqual(['/spec/templates/1/container/securityContext/privileged']);
    expect(findings([wt], 'pss-seccomp')).toEqual([]);
    const noWfContext = clone(wt);
    delete noWfContext.spec.securityContext;
    expect(findings([noWfContext], 'pss-seccomp').map((f) => f.path)).toEqual([
      '/spec/templates/1/container/securityContext/seccompProfile',
      '/spec/templates/2/script/securityContext/seccompProfile',
    ]);
  });

  test('KServe: the model spec is checked as the kserve-container', () => {
    const isvc = {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: meta,
      spec: { predictor: { ...podSpec({ containers: undefined }), model: { modelFormat: { name: 'huggingface' }, resources: container().resources } } },
    };
    const found = findings([isvc], 'pss-allow-privilege-escalation');
    expect(found.map((f) => f.path)).toEqual(['/spec/predictor/model/securityContext/allowPrivilegeEscalation']);
    expect(found[0].message).toMatch(/container "kserve-container"/);
  });

  test('a compliant Job passes every Pod Security rule', () => {
    const rules = checkPolicies([job(), networkPolicy()]).findings.map((f) => f.rule);
    expect(rules.filter((r) => r.startsWith('pss-'))).toEqual([]);
  });
});

describe('Kubeflow Trainer runtimes take the labels and namespace of the TrainJob that runs them', () => {
  const runtimeTemplate = { spec: { replicatedJobs: [{ name: 'node', template: { spec: { template: { spec: podSpec() } } } }] } };
  const runtime = (kind: string, namespace?: string) => ({
    apiVersion: 'trainer.kubeflow.org/v1alpha1', kind, metadata: { name: 'torch', ...(namespace ? { namespace } : {}) }, spec: { template: runtimeTemplate },
  });
  const trainJob = (name: string | undefined, namespace: string, runtimeRef: any) => ({
    apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob', ...(name === undefined ? {} : { metadata: { name, namespace } }), spec: { runtimeRef },
  });
  const view = (objects: any[]) => {
    const v = podViews(objects).find((p) => p.owner.kind.endsWith('TrainingRuntime'))!;
    return { namespace: v.namespace, jobset: v.labels['jobset.sigs.k8s.io/jobset-name'] };
  };

  test('the first TrainJob by name referencing a namespaced runtime in its namespace', () => {
    const objects = [
      runtime('TrainingRuntime', 'ml'),
      trainJob('c-late', 'ml', { kind: 'TrainingRuntime', name: 'torch' }),
      trainJob('b-first', 'ml', { kind: 'TrainingRuntime', name: 'torch' }),
      trainJob('a-elsewhere', 'other', { kind: 'TrainingRuntime', name: 'torch' }),
      trainJob('a-cluster', 'ml', { name: 'torch' }),
      trainJob('a-other-runtime', 'ml', { kind: 'TrainingRuntime', name: 'jax' }),
    ];
    expect(view(objects)).toEqual({ namespace: 'ml', jobset: 'b-first' });
  });

  test('a ClusterTrainingRuntime (the default runtimeRef kind) is run by TrainJobs of any namespace', () => {
    const objects = [runtime('ClusterTrainingRuntime'), trainJob('b', 'team-b', { name: 'torch' }), trainJob('a', 'team-a', { kind: 'ClusterTrainingRuntime', name: 'torch' })];
    expect(view(objects)).toEqual({ namespace: 'team-a', jobset: 'a' });
  });

  test('a TrainJob without metadata sorts as "undefined" and is no crash; without any TrainJob the runtime keeps its own view', () => {
    expect(view([runtime('ClusterTrainingRuntime'), trainJob(undefined, '', { name: 'torch' }), trainJob('b', 'team-b', { name: 'torch' })]))
      .toEqual({ namespace: 'team-b', jobset: 'b' });
    expect(view([runtime('ClusterTrainingRuntime'), trainJob('z', 'team-z', { name: 'torch' }), trainJob(undefined, '', { name: 'torch' })]))
      .toEqual({ namespace: '', jobset: '' });
    expect(view([runtime('TrainingRuntime', 'ml')])).toEqual({ namespace: 'ml', jobset: undefined });
  });

  test('a runtime without metadata matches TrainJobs whose runtimeRef has no name; a TrainJob without spec references nothing', () => {
    const nameless = { ...runtime('ClusterTrainingRuntime'), metadata: undefined };
    expect(view([nameless, trainJob('a', 'team-a', {})])).toEqual({ namespace: 'team-a', jobset: 'a' });
    const noSpec = { apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob', metadata: { name: 'a', namespace: 'team-a' } };
    expect(view([runtime('ClusterTrainingRuntime'), noSpec])).toEqual({ namespace: '', jobset: undefined });
    expect(view([runtime('ClusterTrainingRuntime'), { ...noSpec, spec: {} }])).toEqual({ namespace: '', jobset: undefined });
  });

  test('a Job without metadata: its pods carry an empty job-name label', () => {
    const j = { apiVersion: 'batch/v1', kind: 'Job', spec: { template: { spec: podSpec() } } };
    expect(podViews([j])[0].labels).toEqual({ 'batch.kubernetes.io/job-name': '', 'job-name': '' });
  });

  test('only Kubeflow Trainer objects count: a TrainJob or runtime of another group is not matched', () => {
    const foreignJob = { ...trainJob('a', 'ml', { kind: 'TrainingRuntime', name: 'torch' }), apiVersion: 'example.com/v1' };
    expect(view([runtime('TrainingRuntime', 'ml'), foreignJob])).toEqual({ namespace: 'ml', jobset: undefined });
  });
});

describe('pod views of LeaderWorkerSets and JobSets carry the labels their controllers add', () => {
  const tmpl = (labels: Record<string, string>) => ({ metadata: { labels }, spec: podSpec() });

  test('a LeaderWorkerSet leader is worker 0; the workers carry only the set name', () => {
    const lws = {
      apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: { name: 'llm', namespace: NS },
      spec: { leaderWorkerTemplate: { size: 4, leaderTemplate: tmpl({ role: 'leader' }), workerTemplate: tmpl({ role: 'worker' }) } },
    };
    expect(podViews([lws]).map((v) => [v.path, v.labels])).toEqual([
      ['/spec/leaderWorkerTemplate/leaderTemplate/spec', { role: 'leader', 'leaderworkerset.sigs.k8s.io/name': 'llm', 'leaderworkerset.sigs.k8s.io/worker-index': '0' }],
      ['/spec/leaderWorkerTemplate/workerTemplate/spec', { role: 'worker', 'leaderworkerset.sigs.k8s.io/name': 'llm' }],
    ]);
    const workersOnly = { ...lws, spec: { leaderWorkerTemplate: { size: 4, leaderTemplate: 'none', workerTemplate: tmpl({ role: 'worker' }) } } };
    expect(podViews([workersOnly]).map((v) => v.path)).toEqual(['/spec/leaderWorkerTemplate/workerTemplate/spec']);
  });

  test('a JobSet replicated job adds its name ("" when it has none) and the JobSet name; a list that is no array has no views', () => {
    const js = (replicatedJobs: unknown) => ({ apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', metadata: { name: 'train', namespace: NS }, spec: { replicatedJobs } });
    const rj = (name?: string) => ({ ...(name === undefined ? {} : { name }), template: { spec: { template: tmpl({ app: 'x' }) } } });
    expect(podViews([js([rj('workers'), rj()])]).map((v) => [v.path, v.labels])).toEqual([
      ['/spec/replicatedJobs/0/template/spec/template/spec', { app: 'x', 'jobset.sigs.k8s.io/replicatedjob-name': 'workers', 'jobset.sigs.k8s.io/jobset-name': 'train' }],
      ['/spec/replicatedJobs/1/template/spec/template/spec', { app: 'x', 'jobset.sigs.k8s.io/replicatedjob-name': '', 'jobset.sigs.k8s.io/jobset-name': 'train' }],
    ]);
    expect(podViews([js([rj('workers')])])[0].metadataPath).toBe('/spec/replicatedJobs/0/template/spec/template/metadata');
    expect(podViews([js({ workers: rj('workers') })])).toEqual([]);
    expect(podViews([js([null, { name: 'empty' }, rj('ok')])]).map((v) => v.path)).toEqual(['/spec/replicatedJobs/2/template/spec/template/spec']);
  });
});

describe('podViewsOf: which kinds hold pod templates, where, and the labels their controllers add', () => {
  const t = (labels: Record<string, string> = {}) => ({ metadata: { labels }, spec: podSpec() });
  const obj = (apiVersion: string, kind: string, spec: unknown) => ({ apiVersion, kind, metadata: { name: 'x', namespace: NS }, spec });
  const views = (o: any) => podViews([o]).map((v) => [v.path, v.labels]);

  test('each kind at its path, with the controller labels', () => {
    expect(views(obj('batch/v1', 'CronJob', { jobTemplate: { spec: { template: t() } } }))).toEqual([['/spec/jobTemplate/spec/template/spec', {}]]);
    expect(views(obj('kubeflow.org/v1', 'PyTorchJob', { pytorchReplicaSpecs: { Worker: { template: t() }, Master: { template: t() } }, runPolicy: {} }))).toEqual([
      ['/spec/pytorchReplicaSpecs/Worker/template/spec', { 'training.kubeflow.org/job-name': 'x', 'training.kubeflow.org/replica-type': 'worker' }],
      ['/spec/pytorchReplicaSpecs/Master/template/spec', { 'training.kubeflow.org/job-name': 'x', 'training.kubeflow.org/replica-type': 'master' }],
    ]);
    expect(views(obj('kubeflow.org/v1', 'MPIJob', { mpiReplicaSpecs: { Launcher: { template: t() } }, aReplicaSpecs: { W: { template: t() } } })).map((v) => v[0])).toEqual([
      '/spec/aReplicaSpecs/W/template/spec', '/spec/mpiReplicaSpecs/Launcher/template/spec',
    ]);
    expect(views(obj('leaderworkerset.x-k8s.io/v1', 'LeaderWorkerSet', { leaderWorkerTemplate: { workerTemplate: t() } }))).toEqual([
      ['/spec/leaderWorkerTemplate/workerTemplate/spec', { 'leaderworkerset.sigs.k8s.io/name': 'x' }],
    ]);
    expect(views(obj('trainer.kubeflow.org/v1alpha1', 'ClusterTrainingRuntime', { template: { spec: { replicatedJobs: [{ name: 'node', template: { spec: { template: t() } } }] } } }))).toEqual([
      ['/spec/template/spec/replicatedJobs/0/template/spec/template/spec', { 'jobset.sigs.k8s.io/replicatedjob-name': 'node' }],
    ]);
  });

  test('the same kinds in another group, or without the parts that hold a template, have no views', () => {
    const none: any[] = [
      obj('example.com/v1', 'CronJob', { jobTemplate: { spec: { template: t() } } }),
      obj('batch/v1', 'CronJobX', { jobTemplate: { spec: { template: t() } } }),
      obj('batch/v1', 'CronJob', { jobTemplate: {} }),
      obj('batch/v1', 'CronJob', undefined),
      obj('example.com/v1', 'JobSet', { replicatedJobs: [{ name: 'w', template: { spec: { template: t() } } }] }),
      obj('jobset.x-k8s.io/v1alpha2', 'JobSetX', { replicatedJobs: [{ name: 'w', template: { spec: { template: t() } } }] }),
      obj('example.com/v1', 'TrainingRuntime', { template: { spec: { replicatedJobs: [{ name: 'w', template: { spec: { template: t() } } }] } } }),
      obj('trainer.kubeflow.org/v1alpha1', 'TrainJob', { template: { spec: { replicatedJobs: [{ name: 'w', template: { spec: { template: t() } } }] } } }),
      obj('trainer.kubeflow.org/v1alpha1', 'TrainingRuntime', undefined),
      obj('trainer.kubeflow.org/v1alpha1', 'TrainingRuntime', { template: {} }),
      obj('example.com/v1', 'PyTorchJob', { pytorchReplicaSpecs: { Worker: { template: t() } } }),
      obj('kubeflow.org/v1', 'PyTorchJob', { pytorchReplicaSpecs: [t()] }),
      obj('kubeflow.org/v1', 'PyTorchJob', { pytorchReplicaSpecs: { Worker: null } }),
      obj('kubeflow.org/v1', 'PyTorchJob', { workerSpecs: { Worker: { template: t() } } }),
      obj('kubeflow.org/v1', 'PyTorchJob', undefined),
      obj('example.com/v1', 'LeaderWorkerSet', { leaderWorkerTemplate: { workerTemplate: t() } }),
      obj('leaderworkerset.x-k8s.io/v1', 'LeaderWorkerSetX', { leaderWorkerTemplate: { workerTemplate: t() } }),
      obj('leaderworkerset.x-k8s.io/v1', 'LeaderWorkerSet', undefined),
      obj('apps/v1', 'Deployment', undefined),
      obj('batch/v1', 'Job', undefined),
      obj('batch/v1', 'CronJob', {}),
      obj('trainer.kubeflow.org/v1alpha1', 'TrainingRuntime', {}),
      obj('kubeflow.org/v1', 'PyTorchJob', { pytorchReplicaSpecs: null }),
      obj('v1', 'Pod', undefined),
      obj('example.com/v1', 'Pod', podSpec()),
      obj('v1', 'PodX', podSpec()),
      { apiVersion: 'example.com/v1', kind: 'PodTemplate', metadata: { name: 'x' }, template: t() },
      { apiVersion: 'v1', kind: 'PodTemplateX', metadata: { name: 'x' }, template: t() },
      obj('example.com/v1', 'Job', { template: t() }),
      obj('batch/v1', 'JobX', { template: t() }),
      obj('example.com/v1beta1', 'InferenceService', { predictor: podSpec() }),
      obj('serving.kserve.io/v1beta1', 'InferenceServiceX', { predictor: podSpec() }),
      obj('serving.kserve.io/v1beta1', 'InferenceService', 'none'),
      obj('example.com/v1alpha1', 'Workflow', { templates: [{ name: 'a', container: { name: 'main', image: 'x:1' } }] }),
      obj('argoproj.io/v1alpha1', 'Rollout', { templates: [{ name: 'a', container: { name: 'main', image: 'x:1' } }] }),
    ];
    for (const o of none) expect({ kind: `${o.apiVersion}/${o.kind}`, views: views(o) }).toEqual({ kind: `${o.apiVersion}/${o.kind}`, views: [] });
  });
});

describe('pod views of Argo templates, KServe components and plain pod specs', () => {
  const c = (name: string) => ({ name, image: 'x:1' });

  test('Argo: one view per container/script/containerSet template; template fields win over workflow fields; fieldPath says where each came from', () => {
    const wf = {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTemplate', metadata: { name: 'w', namespace: NS },
      spec: {
        securityContext: { runAsNonRoot: true }, tolerations: [{ operator: 'Exists' }], serviceAccountName: 'wf-sa',
        volumes: [{ name: 'wv', emptyDir: {} }],
        podMetadata: { labels: { team: 'a', tier: 'wf', n: 5 }, annotations: { note: 'wf' } },
        templates: [
          { name: 'dag', dag: { tasks: [] } },
          {
            name: 'train', container: c('main'), sidecars: [c('side')], initContainers: [c('init')], volumes: [{ name: 'tv', emptyDir: {} }],
            metadata: { labels: { tier: 'tpl' }, annotations: { note: 'tpl' } }, automountServiceAccountToken: false, hostNetwork: false,
          },
          { name: 'eval', script: { image: 'python:3.12', source: 'print(1)' } },
          { name: 'set', containerSet: { containers: [c('a'), c('b')] } },
        ],
      },
    };
    const vs = podViews([wf]);
    expect(vs.map((v) => v.path)).toEqual(['/spec/templates/1', '/spec/templates/2', '/spec/templates/3']);
    const [train, evalView, set] = vs;
    expect(train.containers.map((x) => [x.container.name, x.path, x.type])).toEqual([
      ['main', '/spec/templates/1/container', 'container'],
      ['side', '/spec/templates/1/sidecars/0', 'container'],
      ['init', '/spec/templates/1/initContainers/0', 'initContainer'],
    ]);
    expect(train.spec.containers.map((x: any) => x.name)).toEqual(['main', 'side']);
    expect(train.spec.initContainers.map((x: any) => x.name)).toEqual(['init']);
    expect(train.labels).toEqual({ team: 'a', tier: 'tpl' });
    expect(train.annotations).toEqual({ note: 'tpl' });
    expect(train.metadataPath).toBe('/spec/templates/1/metadata');
    expect(train.namespace).toBe(NS);
    expect(train.volumes.map((v) => [v.volume.name, v.path])).toEqual([['wv', '/spec/volumes/0'], ['tv', '/spec/templates/1/volumes/0']]);
    expect(train.spec.volumes.map((v: any) => v.name)).toEqual(['wv', 'tv']);
    expect([train.spec.securityContext, train.spec.automountServiceAccountToken, train.spec.serviceAccountName, train.spec.hostNetwork])
      .toEqual([{ runAsNonRoot: true }, false, 'wf-sa', false]);
    expect(['securityContext', 'automountServiceAccountToken', 'tolerations', 'serviceAccountName', 'hostNetwork', 'hostPID'].map((f) => train.fieldPath(f))).toEqual([
      '/spec/securityContext', '/spec/templates/1/automountServiceAccountToken', '/spec/tolerations', '/spec/serviceAccountName', '/spec/templates/1/hostNetwork', '/spec/templates/1/hostPID',
    ]);
    expect(evalView.containers.map((x) => [x.container.name, x.container.image, x.path])).toEqual([['main', 'python:3.12', '/spec/templates/2/script']]);
    expect(evalView.labels).toEqual({ team: 'a', tier: 'wf' });
    // set on neither the template nor the workflow: absent, and reported where the template would set it
    expect(['hostNetwork' in evalView.spec, 'automountServiceAccountToken' in evalView.spec]).toEqual([false, false]);
    expect(['hostNetwork', 'automountServiceAccountToken', 'serviceAccountName'].map((f) => evalView.fieldPath(f))).toEqual([
      '/spec/templates/2/hostNetwork', '/spec/templates/2/automountServiceAccountToken', '/spec/serviceAccountName',
    ]);
    expect(evalView.spec.initContainers).toEqual([]);
    expect(set.containers.map((x) => x.path)).toEqual(['/spec/templates/3/containerSet/containers/0', '/spec/templates/3/containerSet/containers/1']);
  });

  test('Argo: templates that are no object, or hold no container, have no view; a workflow spec that is no object has none', () => {
    const wf = (spec: unknown) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w' }, spec });
    expect(podViews([wf({ templates: [null, 'x', { name: 'steps', steps: [] }, { name: 'c', container: 'x' }] })]).map((v) => v.containers.length)).toEqual([0]);
    expect(podViews([wf(undefined), wf({ templates: {} })])).toEqual([]);
    expect(podViews([{ ...wf(undefined), kind: 'CronWorkflow' }, { ...wf({ schedule: '0 3 * * *' }), kind: 'CronWorkflow' }])).toEqual([]);
  });

  test('KServe: each of predictor, transformer and explainer is a view; Argo: each workflow kind', () => {
    const obj = (apiVersion: string, kind: string, spec: unknown) => ({ apiVersion, kind, metadata: { name: 'x', namespace: NS }, spec });
    const t = () => ({ metadata: {}, spec: podSpec() });
    const isvc = obj('serving.kserve.io/v1beta1', 'InferenceService', { explainer: podSpec(), transformer: podSpec(), predictor: podSpec(), other: podSpec() });
    expect(podViews([isvc]).map((v) => v.path)).toEqual(['/spec/predictor', '/spec/transformer', '/spec/explainer']);
    const tpl = { templates: [{ name: 'a', container: { name: 'main', image: 'x:1' } }] };
    for (const kind of ['Workflow', 'WorkflowTemplate', 'ClusterWorkflowTemplate']) {
      expect(podViews([obj('argoproj.io/v1alpha1', kind, tpl)]).map((v) => v.path)).toEqual(['/spec/templates/0']);
    }
    expect(podViews([obj('argoproj.io/v1alpha1', 'CronWorkflow', { workflowSpec: tpl })]).map((v) => v.path)).toEqual(['/spec/workflowSpec/templates/0']);
    expect(podViews([{ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'x' }, template: t() }]).map((v) => v.path)).toEqual(['/template/spec']);
  });

  test('KServe: the owner\'s and the component\'s labels, the component labels the controller adds, the model as kserve-container', () => {
    const isvc = {
      apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', metadata: { name: 'llm', namespace: NS, labels: { team: 'a', tier: 'isvc' } },
      spec: { predictor: { labels: { tier: 'predictor' }, annotations: { a: 'b' }, model: { modelFormat: { name: 'huggingface' } }, containers: [c('side')] } },
    };
    const [v] = podViews([isvc]);
    expect(v.labels).toEqual({ team: 'a', tier: 'predictor', 'serving.kserve.io/inferenceservice': 'llm', component: 'predictor' });
    expect(v.annotations).toEqual({ a: 'b' });
    expect(v.containers.map((x) => [x.container.name, x.path])).toEqual([['kserve-container', '/spec/predictor/model'], ['side', '/spec/predictor/containers/0']]);
    expect([v.path, v.metadataPath]).toEqual(['/spec/predictor', '/spec/predictor']);
    const { metadata: _m, ...noMetadata } = isvc;
    expect(podViews([{ ...noMetadata, spec: { predictor: { containers: [c('side')] } } }]).map((x) => x.labels)).toEqual([
      { 'serving.kserve.io/inferenceservice': '', component: 'predictor' },
    ]);
  });

  test('plain pod specs: containers of each kind at their paths, volumes, labels that are strings only', () => {
    const p = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: NS, labels: { a: 'x', n: 1 }, annotations: 'none' },
      spec: { containers: [c('m')], initContainers: [c('i')], ephemeralContainers: [c('e')], volumes: [{ name: 'v', emptyDir: {} }] },
    };
    const [v] = podViews([p]);
    expect(v.containers.map((x) => [x.container.name, x.path, x.type])).toEqual([
      ['m', '/spec/containers/0', 'container'], ['i', '/spec/initContainers/0', 'initContainer'], ['e', '/spec/ephemeralContainers/0', 'ephemeralContainer'],
    ]);
    expect(v.volumes.map((x) => x.path)).toEqual(['/spec/volumes/0']);
    expect([v.labels, v.annotations, v.fieldPath('hostIPC')]).toEqual([{ a: 'x' }, {}, '/spec/hostIPC']);
  });
});

describe('pods.ts helpers', () => {
  test('namespaceOf: the namespace when it is a string, else ""', () => {
    expect([namespaceOf({ metadata: { namespace: 'a' } }), namespaceOf({ metadata: { namespace: 5 } }), namespaceOf({}), namespaceOf(undefined)]).toEqual(['a', '', '', '']);
  });

  test('escape: ~ and / as JSON pointer escapes, ~ first', () => {
    expect(escape('a~b/c')).toBe('a~0b~1c');
    expect(escape('~1')).toBe('~01');
    expect(escape('plain')).toBe('plain');
  });
});

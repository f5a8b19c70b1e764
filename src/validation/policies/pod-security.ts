/**
 * The Pod Security Standards "restricted" profile (which includes "baseline"), one rule per
 * control, as defined at https://kubernetes.io/docs/concepts/security/pod-security-standards/
 * and enforced by the pod-security-admission checks. Applied to every pod template.
 */
import { show } from '../../core/errors';
import { SupportedKubernetesVersion } from '../schemas';
import { ContainerView, PodView, escape, isObject } from './pods';
import { PodViolation, containerLabel, containerRule, podRule } from './rule';
import { PolicyRule } from './types';

const sc = (c: ContainerView): Record<string, any> => c.container?.securityContext ?? {};
const podSc = (pod: PodView): Record<string, any> => pod.spec.securityContext ?? {}; // spec: always an object in a PodView
const isWindows = (pod: PodView): boolean => pod.spec.os?.name === 'windows';

/** The pod's security context and every container's, with where each sits and whose it is. */
function securityContexts(pod: PodView): Array<{ sc: Record<string, any>; path: string; who: string }> {
  return [
    { sc: podSc(pod), path: pod.fieldPath('securityContext'), who: 'the pod' },
    ...pod.containers.map((c) => ({ sc: sc(c), path: `${c.path}/securityContext`, who: containerLabel(c) })),
  ];
}

/** Capabilities the baseline profile lets a container add (the container runtime's default set). */
export const BASELINE_CAPABILITIES = [
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
];

/** Volume sources the restricted profile allows. */
export const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** Safe sysctls of the baseline profile, by the Kubernetes version that added them. */
const SAFE_SYSCTLS: ReadonlyArray<readonly [number, readonly string[]]> = [
  [0, ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range']],
  [27, ['net.ipv4.ip_local_reserved_ports']],
  [29, ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']],
];

/** The sysctls Pod Security "baseline" allows at a Kubernetes version. */
export function safeSysctls(version: SupportedKubernetesVersion): string[] {
  const minor = Number(version.split('.')[1]);
  return SAFE_SYSCTLS.filter(([since]) => minor >= since).flatMap(([, names]) => names);
}

const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION = 'container.seccomp.security.alpha.kubernetes.io/';

const hostProcess = podRule({
  id: 'pss-host-process',
  severity: 'error',
  description: 'Pod Security baseline: Windows HostProcess containers (privileged access to the node) are forbidden.',
  fix: 'Remove securityContext.windowsOptions.hostProcess (or set it to false).',
}, (pod) => securityContexts(pod)
  .filter((x) => x.sc.windowsOptions?.hostProcess === true)
  .map((x) => ({ path: `${x.path}/windowsOptions/hostProcess`, message: `${x.who} sets securityContext.windowsOptions.hostProcess to true` })));

const hostNamespaces = podRule({
  id: 'pss-host-namespaces',
  severity: 'error',
  description: 'Pod Security baseline: sharing the node\'s network, PID or IPC namespace is forbidden.',
  fix: 'Remove hostNetwork, hostPID and hostIPC from the pod spec (or set them to false).',
}, (pod) => ['hostNetwork', 'hostPID', 'hostIPC']
  .filter((f) => pod.spec[f] === true)
  .map((f) => ({ path: pod.fieldPath(f), message: `the pod sets ${f} to true` })));

const privileged = containerRule({
  id: 'pss-privileged',
  severity: 'error',
  description: 'Pod Security baseline: privileged containers disable most isolation and are forbidden.',
  fix: 'Set securityContext.privileged to false (or leave it unset).',
}, (c) => sc(c).privileged === true
  ? [{ path: `${c.path}/securityContext/privileged`, message: `${containerLabel(c)} is privileged (securityContext.privileged: true)` }]
  : []);

const capabilities = containerRule({
  id: 'pss-capabilities',
  severity: 'error',
  description: 'Pod Security restricted: every container drops ALL capabilities and adds back at most NET_BIND_SERVICE.',
  fix: 'Set securityContext.capabilities to { drop: ["ALL"] } and add only "NET_BIND_SERVICE" if the process binds a port below 1024.',
}, (c, pod) => {
  const caps = sc(c).capabilities ?? {};
  const out: PodViolation[] = [];
  // Stryker disable next-line ArrayDeclaration: the list is only asked whether it holds "ALL"; the message shows caps.drop itself
  const drop: unknown[] = Array.isArray(caps.drop) ? caps.drop : [];
  const add: unknown[] = Array.isArray(caps.add) ? caps.add : [];
  if (!isWindows(pod) && !drop.includes('ALL')) {
    out.push({ path: `${c.path}/securityContext/capabilities/drop`, message: `${containerLabel(c)} must drop "ALL" capabilities, got drop ${show(caps.drop)}` });
  }
  const bad = isWindows(pod) ? add.filter((a) => !BASELINE_CAPABILITIES.includes(String(a))) : add.filter((a) => a !== 'NET_BIND_SERVICE');
  if (bad.length > 0) {
    out.push({ path: `${c.path}/securityContext/capabilities/add`, message: `${containerLabel(c)} adds forbidden capabilities ${show(bad)} (only "NET_BIND_SERVICE" may be added)` });
  }
  return out;
});

const hostPathVolumes = podRule({
  id: 'pss-host-path-volumes',
  severity: 'error',
  description: 'Pod Security baseline: hostPath volumes (access to the node\'s filesystem) are forbidden.',
  fix: 'Replace the hostPath volume by a persistentVolumeClaim, emptyDir, configMap, secret or csi volume.',
}, (pod) => pod.volumes
  .filter((v) => v.volume?.hostPath !== undefined)
  .map((v) => ({ path: `${v.path}/hostPath`, message: `volume ${show(v.volume.name)} is a hostPath volume (${show(v.volume.hostPath?.path)})` })));

const hostPorts = containerRule({
  id: 'pss-host-ports',
  severity: 'error',
  description: 'Pod Security baseline: host ports are forbidden.',
  fix: 'Remove hostPort from the container ports; expose the port through a Service.',
}, (c) => {
  const ports = c.container?.ports;
  if (!Array.isArray(ports)) return [];
  return ports
    .map((p: any, i: number) => ({ p, i }))
    .filter(({ p }: any) => p?.hostPort !== undefined && p.hostPort !== 0)
    .map(({ p, i }: any) => ({ path: `${c.path}/ports/${i}/hostPort`, message: `${containerLabel(c)} uses hostPort ${show(p.hostPort)}` }));
});

const appArmor = podRule({
  id: 'pss-apparmor',
  severity: 'error',
  description: 'Pod Security baseline: the AppArmor profile may not be overridden to unconfined (RuntimeDefault or Localhost only).',
  fix: 'Use appArmorProfile.type RuntimeDefault or Localhost (or the annotation value runtime/default or localhost/<profile>), or leave it unset.',
}, (pod) => {
  const out: PodViolation[] = [];
  for (const [key, value] of Object.entries(pod.annotations)) {
    if (key.startsWith(APPARMOR_ANNOTATION) && value !== '' && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      out.push({ path: `${pod.metadataPath}/annotations/${escape(key)}`, message: `annotation ${key} sets the forbidden AppArmor profile ${show(value)}` });
    }
  }
  for (const { sc: context, path, who } of securityContexts(pod)) {
    const type = context.appArmorProfile?.type;
    if (type !== undefined && type !== 'RuntimeDefault' && type !== 'Localhost') {
      out.push({ path: `${path}/appArmorProfile/type`, message: `${who} sets the forbidden AppArmor profile type ${show(type)}` });
    }
  }
  return out;
});

const seLinux = podRule({
  id: 'pss-selinux',
  severity: 'error',
  description: 'Pod Security baseline: custom SELinux users and roles are forbidden and the type must be a container type.',
  fix: 'Remove seLinuxOptions.user and .role; use type container_t, container_init_t, container_kvm_t or container_engine_t, or leave seLinuxOptions unset.',
}, (pod) => {
  const out: PodViolation[] = [];
  for (const { sc: context, path, who } of securityContexts(pod)) {
    const opts = context.seLinuxOptions;
    if (!isObject(opts)) continue;
    if (opts.type !== undefined && !SELINUX_TYPES.includes(opts.type)) {
      out.push({ path: `${path}/seLinuxOptions/type`, message: `${who} sets the forbidden SELinux type ${show(opts.type)}` });
    }
    for (const field of ['user', 'role']) {
      if (typeof opts[field] === 'string' && opts[field].length > 0) {
        out.push({ path: `${path}/seLinuxOptions/${field}`, message: `${who} sets a custom SELinux ${field} ${show(opts[field])}` });
      }
    }
  }
  return out;
});

const procMount = containerRule({
  id: 'pss-proc-mount',
  severity: 'error',
  description: 'Pod Security baseline: the default /proc masks must be kept (procMount Default).',
  fix: 'Remove securityContext.procMount or set it to "Default".',
}, (c) => sc(c).procMount !== undefined && sc(c).procMount !== 'Default'
  ? [{ path: `${c.path}/securityContext/procMount`, message: `${containerLabel(c)} sets procMount ${show(sc(c).procMount)}` }]
  : []);

const seccomp = podRule({
  id: 'pss-seccomp',
  severity: 'error',
  description: 'Pod Security restricted: a RuntimeDefault or Localhost seccomp profile is set for the pod or every container, never Unconfined.',
  fix: 'Set securityContext.seccompProfile.type to "RuntimeDefault" at the pod level.',
}, (pod) => {
  const out: PodViolation[] = [];
  const ok = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
  const podType = podSc(pod).seccompProfile?.type;
  if (podType === 'Unconfined') {
    out.push({ path: `${pod.fieldPath('securityContext')}/seccompProfile/type`, message: 'the pod sets seccompProfile.type "Unconfined"' });
  }
  for (const [key, value] of Object.entries(pod.annotations)) {
    if ((key === SECCOMP_POD_ANNOTATION || key.startsWith(SECCOMP_CONTAINER_ANNOTATION)) && value === 'unconfined') {
      out.push({ path: `${pod.metadataPath}/annotations/${escape(key)}`, message: `annotation ${key} sets the seccomp profile "unconfined"` });
    }
  }
  for (const c of pod.containers) {
    const type = sc(c).seccompProfile?.type;
    if (type === 'Unconfined') {
      out.push({ path: `${c.path}/securityContext/seccompProfile/type`, message: `${containerLabel(c)} sets seccompProfile.type "Unconfined"` });
    } else if (!isWindows(pod) && !ok(podType) && !ok(type)) {
      out.push({
        path: `${c.path}/securityContext/seccompProfile`,
        message: `${containerLabel(c)} has no RuntimeDefault or Localhost seccomp profile (neither the pod nor the container sets one)`,
      });
    }
  }
  return out;
});

const sysctls = podRule({
  id: 'pss-sysctls',
  severity: 'error',
  description: 'Pod Security baseline: only the namespaced, isolated "safe" sysctls may be set.',
  fix: 'Remove the sysctl from securityContext.sysctls, or tune it on the node instead.',
}, (pod, context) => {
  const allowed = safeSysctls(context.kubernetesVersion);
  const list: any[] = Array.isArray(podSc(pod).sysctls) ? podSc(pod).sysctls : [];
  return list
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => !allowed.includes(s?.name))
    .map(({ s, i }) => ({
      path: `${pod.fieldPath('securityContext')}/sysctls/${i}/name`,
      message: `the pod sets the unsafe sysctl ${show(s?.name)} (allowed at Kubernetes ${context.kubernetesVersion}: ${allowed.join(', ')})`,
    }));
});

const volumeTypes = podRule({
  id: 'pss-volume-types',
  severity: 'error',
  description: `Pod Security restricted: volumes are limited to ${RESTRICTED_VOLUME_TYPES.join(', ')}.`,
  fix: 'Use a persistentVolumeClaim (backed by a PersistentVolume of any type) or one of the allowed volume types.',
}, (pod) => pod.volumes.flatMap((v) => Object.keys(v.volume ?? {})
  .filter((k) => k !== 'name' && k !== 'hostPath' && !RESTRICTED_VOLUME_TYPES.includes(k))
  .map((k) => ({ path: `${v.path}/${k}`, message: `volume ${show(v.volume.name)} has the forbidden type ${show(k)}` }))));

const allowPrivilegeEscalation = containerRule({
  id: 'pss-allow-privilege-escalation',
  severity: 'error',
  description: 'Pod Security restricted: every container sets allowPrivilegeEscalation to false.',
  fix: 'Set securityContext.allowPrivilegeEscalation: false on every container, init container and ephemeral container.',
}, (c, pod) => !isWindows(pod) && sc(c).allowPrivilegeEscalation !== false
  ? [{ path: `${c.path}/securityContext/allowPrivilegeEscalation`, message: `${containerLabel(c)} must set securityContext.allowPrivilegeEscalation to false, got ${show(sc(c).allowPrivilegeEscalation)}` }]
  : []);

const runAsNonRoot = podRule({
  id: 'pss-run-as-non-root',
  severity: 'error',
  description: 'Pod Security restricted: containers must run as non-root (runAsNonRoot: true on the pod or on every container, never false).',
  fix: 'Set securityContext.runAsNonRoot: true and a non-zero runAsUser at the pod level (many ML images default to root).',
}, (pod) => {
  const out: PodViolation[] = [];
  const podValue = podSc(pod).runAsNonRoot;
  if (podValue === false) {
    out.push({ path: `${pod.fieldPath('securityContext')}/runAsNonRoot`, message: 'the pod sets securityContext.runAsNonRoot to false' });
  }
  for (const c of pod.containers) {
    const value = sc(c).runAsNonRoot;
    if (value === false) {
      out.push({ path: `${c.path}/securityContext/runAsNonRoot`, message: `${containerLabel(c)} sets securityContext.runAsNonRoot to false` });
    } else if (podValue !== true && value !== true) {
      out.push({ path: `${c.path}/securityContext/runAsNonRoot`, message: `${containerLabel(c)} may run as root: neither the pod nor the container sets runAsNonRoot: true` });
    }
  }
  return out;
});

const runAsUser = podRule({
  id: 'pss-run-as-user',
  severity: 'error',
  description: 'Pod Security restricted: runAsUser must not be 0 (root).',
  fix: 'Set runAsUser to a non-zero uid (cdk8s-ml uses 1000).',
}, (pod) => securityContexts(pod)
  .filter((x) => x.sc.runAsUser === 0)
  .map((x) => ({ path: `${x.path}/runAsUser`, message: `${x.who} sets securityContext.runAsUser to 0 (root)` })));

/** The Pod Security Standards rules (restricted profile, baseline included). */
export const POD_SECURITY_RULES: readonly PolicyRule[] = [
  hostProcess,
  hostNamespaces,
  privileged,
  capabilities,
  hostPathVolumes,
  hostPorts,
  appArmor,
  seLinux,
  procMount,
  seccomp,
  sysctls,
  volumeTypes,
  allowPrivilegeEscalation,
  runAsNonRoot,
  runAsUser,
];

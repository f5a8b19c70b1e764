import * as kplus from 'cdk8s-plus-28';

/**
 * The container-level settings of Pod Security "restricted" in cdk8s-plus terms
 * (non-root, read-only root filesystem, no privilege escalation, all capabilities dropped,
 * RuntimeDefault seccomp), for containers added to cdk8s-plus workloads. cdk8s-plus sets
 * neither capabilities nor seccomp by default. Ids are left to the pod unless given.
 */
export function kplusRestrictedSecurityContext(ids: { readonly user?: number; readonly group?: number } = {}): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    privileged: false,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: [kplus.Capability.ALL] },
    seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
    user: ids.user,
    group: ids.group,
  };
}

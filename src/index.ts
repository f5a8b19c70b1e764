// Public API of cdk8s-ml.
export * from './core';
export * from './validation/validate';
export { SUPPORTED_KUBERNETES_VERSIONS } from './validation/schemas';
export type { SupportedKubernetesVersion } from './validation/schemas';
export * from './testing';

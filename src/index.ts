// Public API of cdk8s-ml.
export * from './core';
export * from './validation/validate';
export { SUPPORTED_KUBERNETES_VERSIONS } from './validation/schemas';
export type { SupportedKubernetesVersion } from './validation/schemas';
export * from './testing';
export * from './data';
export * from './training';
export * from './serving';
export * from './platform';
export * from './gitops';
export * from './pipeline';
export * from './validation/policies';
export * from './validation/check';
export * from './validation/plugin';

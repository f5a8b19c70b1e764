export * from '../core/render';
export * from './sync-wave';
export * from './job-name';
export * from './gitops';
export * from './argocd-application';

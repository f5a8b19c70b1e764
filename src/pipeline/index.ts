export * from './argo-types';
export * from './workspace';
export * from './step';
export * from './pipeline';
export * from './distributed-step';

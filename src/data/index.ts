export * from './exit-codes';
export * from './secret-key';
export * from './source';
export * from './volume';
export * from './dataset-init';

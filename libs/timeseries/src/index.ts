export * from './errors';
export * from './parse-timestamp';
export * from './frequency';
export * from './stats';
export * from './csv';

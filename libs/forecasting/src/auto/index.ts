export * from './auto';
export * from './combine';

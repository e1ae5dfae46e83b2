export * from './config.schema';
export * from './config.module';
export { ConfigError } from './env-readers';
export { loadConfigOrExit } from './load';
export { nestLogLevels } from './log-levels';

export * from './calendar-features';
export * from './ridge';
export * from './regression-forecast';

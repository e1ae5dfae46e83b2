export * from './series-stats.service';
export * from './pipeline';
export * from './forecast-request';
export * from './forecast.service';

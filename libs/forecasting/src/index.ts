export * from './series-stats.service';
export * from './pipeline';
export * from './forecast-request';
export * from './forecast.service';
export * from './backtest-request';
export * from './backtest-baselines';
export * from './backtest-metrics';
export * from './backtest.service';

export * from './series-stats.service';

export * from './contract';
export * from './payload';
export * from './queue-backend';
export * from './job-queue.service';
export * from './jobs.module';
export * from './job-runner';
export * from './schedule-timing';

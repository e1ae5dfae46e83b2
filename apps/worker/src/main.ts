import 'reflect-metadata';
import { loadConfigOrExit } from '#config';
import { startWorker } from './worker.factory';

startWorker(loadConfigOrExit()).catch((err) => {
  process.stderr.write(`worker failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});

import 'reflect-metadata';
import { loadConfigOrExit } from '#config';
import { startApi } from './app.factory';

startApi(loadConfigOrExit()).catch((err) => {
  process.stderr.write(`api failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});

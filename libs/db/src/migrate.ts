import { createDataSource } from './data-source';

/** `node dist/libs/db/src/migrate.js up|down|down-all` against DATABASE_URL. */
async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL is required\n');
    process.exit(78);
  }
  const ds = await createDataSource(url, 2).initialize();
  const cmd = process.argv[2] ?? 'up';
  try {
    if (cmd === 'up') {
      const ran = await ds.runMigrations({ transaction: 'each' });
      process.stdout.write(`applied ${ran.length} migration(s)\n`);
    } else if (cmd === 'down') {
      await ds.undoLastMigration({ transaction: 'each' });
      process.stdout.write('reverted the last migration\n');
    } else {
      throw new Error(`unknown command ${cmd}; use up or down`);
    }
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
}

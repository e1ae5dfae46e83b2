import 'reflect-metadata';
import { ApiKeysRepository, TenantsRepository, createDataSource } from '#db';

/** `npm run tenant:create -- --name acme`: creates a tenant and prints its API key once. */
async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--name');
  const name = i >= 0 ? argv[i + 1] : undefined;
  if (!name || !/^[A-Za-z0-9 _.-]{1,100}$/.test(name)) {
    throw new Error('usage: npm run tenant:create -- --name <tenant name (letters, digits, space, _ . -)>');
  }
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required (postgres://...)');
  const ds = await createDataSource(url, 2).initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    const tenant = await new TenantsRepository(ds).create(name);
    // The tenant's first key is its admin: it mints the narrower keys clients should use.
    const key = await new ApiKeysRepository(ds).issue(tenant.id, 'initial');
    process.stdout.write(
      `tenant ${tenant.name} created (id ${tenant.id})\n` +
        `API key, scopes ${key.scopes.join(', ')} (shown once, store it now): ${key.key}\n` +
        `use it as: Authorization: Bearer ${key.key}\n`,
    );
  } finally {
    await ds.destroy();
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});

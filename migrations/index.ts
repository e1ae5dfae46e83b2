import { InitialSchema1764374400000 } from './1764374400000-initial-schema';

/** Every migration, oldest first. Imported by the DataSource so dist/ and tests run the same list. */
export const MIGRATIONS = [InitialSchema1764374400000];

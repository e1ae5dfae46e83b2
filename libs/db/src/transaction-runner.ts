import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A transaction handle; repositories accept it so callers never import TypeORM themselves. */
export type Tx = EntityManager;

@Injectable()
export class TransactionRunner implements OnApplicationShutdown {
  constructor(private readonly ds: DataSource) {}

  run<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  async ping(): Promise<void> {
    await this.ds.query('SELECT 1');
  }

  /** Raw read-only SQL for metrics and diagnostics. */
  query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.ds.query(sql, params);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

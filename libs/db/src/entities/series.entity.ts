import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export interface SeriesStatsRecord {
  count: number;
  first: string | null;
  last: string | null;
  inferredFrequency: string | null;
  regularity: number | null;
  medianStepMs: number | null;
  stepDispersion: number | null;
  missingSteps: number | null;
  missingValues: number[];
  computedAt: string;
}

@Entity('series')
export class SeriesEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text') name: string;
  @Column('text', { array: true }) channels: string[];
  @Column('text', { nullable: true }) frequency: string | null;
  @Column('text') timezone: string;
  @Column('text', { array: true }) tags: string[];
  @Column('jsonb') metadata: Record<string, string>;
  @Column('jsonb', { nullable: true }) stats: SeriesStatsRecord | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

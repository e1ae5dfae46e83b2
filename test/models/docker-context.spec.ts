import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '../..');

/**
 * The image copies models/ but leaves out the checkpoints of earlier training stages; the ones it
 * keeps (re-included in .dockerignore) must be exactly the runs the shipped models name in
 * provenance.run, which `full` fine-tunes start from.
 */
describe('Docker build context', () => {
  it('keeps the checkpoint of every shipped model and no other', () => {
    const lines = readFileSync(path.join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(lines).toContain('models/runs/*/ckpt.pt');
    const kept = lines.filter((l) => l.startsWith('!models/runs/')).map((l) => l.slice(1)).sort();
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'models/manifest.json'), 'utf8'));
    const needed = manifest.models
      .map((e: { provenance: { run?: string } }) => e.provenance.run)
      .filter((r: string | undefined): r is string => typeof r === 'string')
      .map((r: string) => `models/runs/${r}/ckpt.pt`)
      .sort();
    expect(needed.length).toBeGreaterThanOrEqual(2);
    expect(kept).toEqual(needed);
    for (const f of needed) expect(existsSync(path.join(REPO, f))).toBe(true);
    // Everything else under models/runs is an earlier stage whose checkpoint stays out.
    const others = readdirSync(path.join(REPO, 'models/runs')).map((r) => `models/runs/${r}/ckpt.pt`).filter((f) => !needed.includes(f));
    expect(others.length).toBeGreaterThan(0);
  });
});

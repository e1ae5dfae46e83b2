import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '../..');

/** The runs the shipped models name in provenance.run: `full` fine-tunes start from their checkpoints. */
function shippedCheckpoints(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(REPO, 'models/manifest.json'), 'utf8'));
  return manifest.models
    .map((e: { provenance: { run?: string } }) => e.provenance.run)
    .filter((r: string | undefined): r is string => typeof r === 'string')
    .map((r: string) => `models/runs/${r}/ckpt.pt`)
    .sort();
}

describe('Docker build context', () => {
  it('keeps the checkpoint of every shipped model and no other', () => {
    // The image copies models/; a run trained locally into models/runs must not ride along, so every
    // checkpoint is excluded and the shipped ones are re-included.
    const lines = readFileSync(path.join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(lines).toContain('models/runs/*/ckpt.pt');
    const kept = lines.filter((l) => l.startsWith('!models/runs/')).map((l) => l.slice(1)).sort();
    const needed = shippedCheckpoints();
    expect(needed.length).toBeGreaterThanOrEqual(2);
    expect(kept).toEqual(needed);
    for (const f of needed) expect(existsSync(path.join(REPO, f))).toBe(true);
  });

  it('the repository tracks the shipped models\' checkpoints and no other', () => {
    // Earlier stages keep their config.json and log.jsonl (the cards' reproduce chain reads them), not
    // their checkpoints: the tree stays small enough to clone anywhere.
    const tracked = execFileSync('git', ['ls-files', '--', 'models/runs/*/ckpt.pt'], { cwd: REPO, encoding: 'utf8' })
      .split('\n').filter(Boolean).sort();
    expect(tracked).toEqual(shippedCheckpoints());
  });
});

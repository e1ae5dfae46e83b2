import { NotFoundError } from '#common';
import { ManifestEntry, ModelManifest, loadManifest } from './manifest';

/** The api's read-only view of models/manifest.json: limits for validation, no sessions. */
export class ModelCatalog {
  private constructor(
    private readonly manifest: ModelManifest,
    private readonly defaultId: string,
  ) {}

  static async load(modelsDir: string, configuredDefault: string | null): Promise<ModelCatalog> {
    const m = await loadManifest(modelsDir);
    if (!m.models.length) throw new Error(`${modelsDir}/manifest.json lists no models`);
    const def = configuredDefault ?? m.default ?? m.models[0].id;
    if (!m.models.some((e) => e.id === def)) throw new Error(`the default model ${def} is not in the manifest`);
    return new ModelCatalog(m, def);
  }

  get defaultModel(): string {
    return this.defaultId;
  }

  list(): ManifestEntry[] {
    return this.manifest.models;
  }

  get(id: string): ManifestEntry {
    const e = this.manifest.models.find((m) => m.id === id);
    if (!e) throw new NotFoundError('model', id);
    return e;
  }
}

import { Injectable } from '@nestjs/common';
import { ObservationsRepository } from '#db';
import { ForecastsService } from './forecasts.service';
import { renderForecastSvg } from './plot-svg';

@Injectable()
export class PlotService {
  constructor(
    private readonly forecasts: ForecastsService,
    private readonly observations: ObservationsRepository,
  ) {}

  /** The first successful series/channel of a forecast with three horizons of history. */
  async render(tenantId: string, id: string): Promise<string> {
    const f = await this.forecasts.get(tenantId, id);
    const s = f.series.find((x) => x.status === 'SUCCEEDED');
    if (!s) return renderForecastSvg({ title: `forecast ${f.id}: ${f.status}, nothing to plot`, history: [], timestamps: [0, 1], quantiles: {} });
    let history: { t: number; v: number }[] = [];
    if (s.seriesId) {
      const rows = await this.observations.read(tenantId, s.seriesId);
      const c = (await this.observations.channelIndex(tenantId, s.seriesId, s.channel)) ?? 0;
      const keep = Math.max(50, s.timestamps.length * 3);
      history = rows.timestamps.slice(-keep).map((t, i) => ({ t, v: rows.values[c][rows.timestamps.length - Math.min(keep, rows.timestamps.length) + i] ?? NaN })).filter((h) => Number.isFinite(h.v));
    }
    return renderForecastSvg({
      title: `${s.seriesId ?? 'inline'} / ${s.channel} — ${f.model}`,
      history,
      timestamps: s.timestamps.map((t) => Date.parse(t)),
      quantiles: s.quantiles,
    });
  }
}

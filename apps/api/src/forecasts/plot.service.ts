import { Injectable } from '@nestjs/common';
import { DomainError } from '#common';
import { ObservationsRepository, SeriesRepository } from '#db';
import { ForecastsService } from './forecasts.service';
import { PlotPanel, renderForecastSvg } from './plot-svg';

export interface PlotOptions {
  /** Channels to draw, in this order (default: every channel of the series in the forecast). */
  channels?: string[];
  /** Which series of a multi-series forecast (default: the first with a successful channel). */
  seriesId?: string;
}

@Injectable()
export class PlotService {
  constructor(
    private readonly forecasts: ForecastsService,
    private readonly observations: ObservationsRepository,
    private readonly series: SeriesRepository,
  ) {}

  /** One series of a forecast, one panel per channel, each with three horizons of history. */
  async render(tenantId: string, id: string, o: PlotOptions = {}): Promise<string> {
    const f = await this.forecasts.get(tenantId, id);
    const subtitle = `forecast ${f.id} · model ${f.model} · ${f.status}`;
    if (o.seriesId !== undefined && !f.series.some((s) => s.seriesId === o.seriesId)) {
      throw new DomainError('SERIES_NOT_FOUND', `forecast ${f.id} has no series ${JSON.stringify(o.seriesId)}`, 404, {
        seriesIds: [...new Set(f.series.map((s) => s.seriesId))],
      });
    }
    if (!f.series.length) return renderForecastSvg({ title: `forecast ${f.status.toLowerCase()}: nothing to plot yet`, subtitle, panels: [] });
    const seriesId = o.seriesId ?? (f.series.find((s) => s.status === 'SUCCEEDED') ?? f.series[0]).seriesId;
    const rows = f.series.filter((s) => s.seriesId === seriesId);
    const available = rows.map((r) => r.channel);
    const unknown = (o.channels ?? []).filter((c) => !available.includes(c));
    if (unknown.length) {
      throw new DomainError(
        'CHANNEL_NOT_FOUND',
        `forecast ${f.id} has no channel ${unknown.map((c) => JSON.stringify(c)).join(', ')} for this series; its channels: ${available.join(', ')}`,
        404,
        { channels: available },
      );
    }
    const chosen = o.channels?.length ? o.channels.map((c) => rows.find((r) => r.channel === c)!) : rows;
    // A series deleted since the forecast keeps its forecast: it is then plotted without history, by id.
    const stored = seriesId ? await this.series.find(tenantId, seriesId) : null;
    const block = stored ? await this.observations.read(tenantId, stored.id) : null;
    const panels: PlotPanel[] = chosen.map((r) => {
      const c = stored ? stored.channels.indexOf(r.channel) : -1;
      let history: PlotPanel['history'] = [];
      if (block && c >= 0) {
        const keep = Math.min(block.timestamps.length, Math.max(50, r.timestamps.length * 3));
        const from = block.timestamps.length - keep;
        history = block.timestamps
          .slice(from)
          .map((t, i) => ({ t, v: block.values[c][from + i] ?? NaN }))
          .filter((h) => Number.isFinite(h.v));
      }
      const failed = r.status !== 'SUCCEEDED';
      return {
        channel: r.channel,
        history,
        timestamps: failed ? [] : r.timestamps.map((t) => Date.parse(t)),
        quantiles: failed ? {} : r.quantiles,
        note: failed ? `no forecast: ${r.error ? `${r.error.code}: ${r.error.message}` : r.status}`.slice(0, 120) : undefined,
      };
    });
    return renderForecastSvg({ title: stored?.name ?? (seriesId ? `series ${seriesId}` : 'inline data'), subtitle, panels });
  }
}

import type {
  CreateScheduleDto,
  SchedulePageResponse,
  ScheduleResponse,
  ScheduleRunPageResponse,
  ScheduleRunResponse,
  SchedulesControllerListQuery,
  SchedulesControllerRunsQuery,
  UpdateScheduleDto,
} from '../generated/openapi-types.js';
import { HttpConfig, request, seg } from '../http.js';
import { paginate } from '../paginate.js';
import type { CallOptions } from './series.js';

/** Recurring batch forecasts: a cron + timezone, a series selector (ids or a tag) and a forecast template. */
export class SchedulesResource {
  constructor(private readonly http: HttpConfig) {}

  async create(body: CreateScheduleDto, o: CallOptions = {}): Promise<ScheduleResponse> {
    return (await request<ScheduleResponse>(this.http, { method: 'POST', path: '/v1/schedules', json: body, signal: o.signal })).data;
  }

  async get(id: string, o: CallOptions = {}): Promise<ScheduleResponse> {
    return (await request<ScheduleResponse>(this.http, { method: 'GET', path: `/v1/schedules/${seg(id)}`, signal: o.signal })).data;
  }

  /** One page; pass `nextCursor` back as `cursor` for the next. */
  async list(q: SchedulesControllerListQuery = {}, o: CallOptions = {}): Promise<SchedulePageResponse> {
    return (await request<SchedulePageResponse>(this.http, { method: 'GET', path: '/v1/schedules', query: { ...q }, signal: o.signal })).data;
  }

  /** Every schedule of the tenant, oldest first: `for await (const s of client.schedules.iterate())`. */
  iterate(q: SchedulesControllerListQuery = {}, o: CallOptions = {}): AsyncGenerator<ScheduleResponse, void, undefined> {
    const { cursor, ...filter } = q;
    return paginate((c) => this.list({ ...filter, cursor: c }, o), cursor);
  }

  /** Changes any field; `forecast` replaces the whole template. */
  async update(id: string, body: UpdateScheduleDto, o: CallOptions = {}): Promise<ScheduleResponse> {
    return (await request<ScheduleResponse>(this.http, { method: 'PATCH', path: `/v1/schedules/${seg(id)}`, json: body, signal: o.signal })).data;
  }

  async pause(id: string, o: CallOptions = {}): Promise<ScheduleResponse> {
    return (await request<ScheduleResponse>(this.http, { method: 'POST', path: `/v1/schedules/${seg(id)}/pause`, signal: o.signal })).data;
  }

  async resume(id: string, o: CallOptions = {}): Promise<ScheduleResponse> {
    return (await request<ScheduleResponse>(this.http, { method: 'POST', path: `/v1/schedules/${seg(id)}/resume`, signal: o.signal })).data;
  }

  /** Deletes the schedule, its timer and its run history (the forecasts it made stay). */
  async delete(id: string, o: CallOptions = {}): Promise<void> {
    await request(this.http, { method: 'DELETE', path: `/v1/schedules/${seg(id)}`, responseType: 'none', signal: o.signal });
  }

  /** One page of runs, newest tick first. */
  async runs(id: string, q: SchedulesControllerRunsQuery = {}, o: CallOptions = {}): Promise<ScheduleRunPageResponse> {
    return (await request<ScheduleRunPageResponse>(this.http, { method: 'GET', path: `/v1/schedules/${seg(id)}/runs`, query: { ...q }, signal: o.signal }))
      .data;
  }

  /** Every run, newest tick first, across pages. */
  iterateRuns(id: string, q: SchedulesControllerRunsQuery = {}, o: CallOptions = {}): AsyncGenerator<ScheduleRunResponse, void, undefined> {
    const { cursor, ...filter } = q;
    return paginate((c) => this.runs(id, { ...filter, cursor: c }, o), cursor);
  }
}

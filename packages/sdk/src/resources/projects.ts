import type { RequestOptions, Transport } from '../core/transport.ts';
import type { Project } from '../types.ts';
import { fetchProjectUsage, type ProjectUsage } from './project-usage.ts';

/** `/v1/projects` (beyond the spec): the key's team's projects, any of which a client may pass as `projectId`. */
export class Projects {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /** Every project of the key's team, oldest first (a team has few: the answer is not paged). */
  async list(options?: RequestOptions): Promise<Project[]> {
    const body = await this.#http.request<{ projects: Project[] }>({ method: 'GET', path: '/v1/projects', ...options });
    return body.projects;
  }

  /** The project's stored bytes and assets, its uploads' reservations and its quota. */
  usage(projectId: string, options?: RequestOptions): Promise<ProjectUsage> {
    return fetchProjectUsage(this.#http, projectId, options);
  }
}

import type { APIPromise } from '../core/api-promise.ts';
import type { RequestOptions, Transport } from '../core/transport.ts';
import type { Project } from '../types.ts';

/** `/v1/projects` (beyond the spec): the key's team's projects, any of which a client may pass as `projectId`. */
export class Projects {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /** Every project of the key's team, oldest first (a team has few: the answer is not paged). */
  list(options?: RequestOptions): APIPromise<Project[]> {
    return this.#http.request<{ projects: Project[] }>({ method: 'GET', path: '/v1/projects', ...options }).map((body) => body.projects);
  }
}

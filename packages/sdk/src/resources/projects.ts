import type { APIPromise } from '../core/api-promise.ts';
import type { RequestOptions, Transport } from '../core/transport.ts';
import type { Project, ProjectUsage } from '../types.ts';

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

  /**
   * What a project stores, what its unfinished uploads reserve, and its quota
   * (`GET /v1/projects/{id}/usage`, beyond the spec): only the key's team's projects; another's is a 404.
   */
  usage(projectId: string, options?: RequestOptions): APIPromise<ProjectUsage> {
    return this.#http
      .request<{ usage: ProjectUsage }>({ method: 'GET', path: `/v1/projects/${encodeURIComponent(projectId)}/usage`, ...options })
      .map((body) => body.usage);
  }
}

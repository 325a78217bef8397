import type { toWireUsage } from '../../../server/src/http/scenario/projects.ts';
import type { RequestOptions, Transport } from '../core/transport.ts';

/** What a project stores, what its unfinished uploads reserve, and its quota (`GET /v1/projects/{id}/usage`). */
export type ProjectUsage = ReturnType<typeof toWireUsage>;

/** `GET /v1/projects/{id}/usage` (beyond the spec): only the key's team's projects; another's is a 404. */
export async function fetchProjectUsage(http: Transport, projectId: string, options?: RequestOptions): Promise<ProjectUsage> {
  const body = await http.request<{ usage: ProjectUsage }>({
    method: 'GET',
    path: `/v1/projects/${encodeURIComponent(projectId)}/usage`,
    ...options,
  });
  return body.usage;
}

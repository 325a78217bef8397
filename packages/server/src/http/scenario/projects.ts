import { ErrorResponse, type Project, WireProject, WireProjectUsage, type ProjectUsage as WireUsage } from '@assetd/contract/scenario';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ProjectInfo } from '../../auth/keys.ts';
import type { Container } from '../../container.ts';
import { AppError } from '../../errors.ts';
import type { ProjectUsage } from '../../quotas/quota.ts';

/** The wire's project: copied field by field, so nothing else of the domain leaks out. */
export const toWireProject = (project: ProjectInfo): Project => ({ id: project.id, name: project.name, createdAt: project.createdAt });

/** The wire's usage, field by field. */
export const toWireUsage = (usage: ProjectUsage): WireUsage => ({
  projectId: usage.projectId,
  bytes: usage.bytes,
  assets: usage.assets,
  reservedBytes: usage.reservedBytes,
  reservedAssets: usage.reservedAssets,
  limits: { maxBytes: usage.limits.maxBytes, maxAssets: usage.limits.maxAssets },
});

/**
 * `GET /v1/projects` (beyond the spec): the projects of the key's team, the values `?projectId=`
 * accepts — what a client needs to offer a project switcher.
 */
export function registerProjectRoutes(server: FastifyInstance, c: Container): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/projects',
    {
      config: { auth: 'key' },
      schema: {
        summary: "The key's team's projects, oldest first (beyond the spec)",
        tags: ['projects'],
        response: { 200: Type.Object({ projects: Type.Array(WireProject) }), 401: ErrorResponse },
      },
    },
    async (request) => {
      if (!request.principal) throw new AppError('UNAUTHORIZED', 'Authentication required');
      const projects = await c.keys.listProjects(request.principal);
      return { projects: projects.map(toWireProject) };
    },
  );

  app.get(
    '/v1/projects/:projectId/usage',
    {
      config: { auth: 'key' },
      schema: {
        summary: "A project's stored bytes and assets, what unfinished uploads reserve, and its quota (beyond the spec)",
        tags: ['projects'],
        params: Type.Object({ projectId: Type.String({ maxLength: 200 }) }),
        response: { 200: Type.Object({ usage: WireProjectUsage }), 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      if (!request.principal) throw new AppError('UNAUTHORIZED', 'Authentication required');
      const { projectId } = request.params;
      // Only the key's team's projects: another's is a 404, exactly like a missing one.
      const project = await c.keys.resolveProject(request.principal, projectId);
      return { usage: toWireUsage(await c.quotas.usage(project)) };
    },
  );
}

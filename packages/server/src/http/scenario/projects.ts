import { ErrorResponse, type Project, WireProject } from '@assetd/contract/scenario';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ProjectInfo } from '../../auth/keys.ts';
import type { Container } from '../../container.ts';
import { AppError } from '../../errors.ts';

/** The wire's project: copied field by field, so nothing else of the domain leaks out. */
export const toWireProject = (project: ProjectInfo): Project => ({ id: project.id, name: project.name, createdAt: project.createdAt });

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
}

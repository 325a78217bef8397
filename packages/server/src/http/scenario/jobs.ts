import { ErrorResponse, GetJobQuery, type Job, JobParams, ListJobsQuery, MAX_WAIT_SECONDS, WireJob } from '@assetd/contract/scenario';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Container } from '../../container.ts';
import { invalid } from '../../errors.ts';
import type { UploadJob } from '../../uploads/upload-job.ts';
import { JOB_STATUSES, type JobStatus } from '../../uploads/upload-lifecycle.ts';
import { requireScope } from '../plugins/auth.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse };
const tags = ['jobs'];

/** Scenario's job object. The domain view already has the wire's shape; it is copied, never passed through. */
export const toWireJob = (job: UploadJob): Job => ({
  jobId: job.jobId,
  jobType: job.jobType,
  status: job.status,
  progress: job.progress,
  authorId: job.authorId,
  ownerId: job.ownerId,
  createdAt: job.createdAt,
  updatedAt: job.updatedAt,
  statusHistory: job.statusHistory.map((entry) => ({ status: entry.status, date: entry.date })),
  metadata: (({ assetIds, ...rest }) => ({ ...rest, ...(assetIds ? { assetIds: [...assetIds] } : {}) }))(job.metadata),
});

/** The status filter, comma-separated or repeated; unknown values are refused with the allowed ones. */
function statusFilter(values: readonly string[] | undefined): JobStatus[] | undefined {
  const wanted = values
    ?.flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
  if (!wanted || wanted.length === 0) return undefined;
  const unknown = wanted.filter((value) => !(JOB_STATUSES as readonly string[]).includes(value));
  if (unknown.length > 0) {
    throw invalid(
      `status ${unknown.map((value) => `"${value.slice(0, 50)}"`).join(', ')} is not a job status: use ${JOB_STATUSES.join(', ')}`,
      {
        allowed: JOB_STATUSES,
      },
    );
  }
  return [...new Set(wanted as JobStatus[])];
}

/** Scenario's jobs resource: every upload's job, derived from the upload (uploads/upload-job.ts). */
export function registerJobRoutes(server: FastifyInstance, c: Container): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const config = { auth: 'key' as const };
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());

  app.get(
    '/v1/jobs',
    {
      config,
      schema: {
        summary: "The project's jobs, newest first",
        tags,
        querystring: ListJobsQuery,
        response: { 200: Type.Object({ jobs: Type.Array(WireJob), nextPaginationToken: Type.Optional(Type.String()) }), ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const statuses = statusFilter(query.status);
      const page = await c.uploads.listJobs(requireScope(request), {
        pageSize: query.pageSize,
        ...(query.paginationToken ? { paginationToken: query.paginationToken } : {}),
        ...(statuses ? { statuses } : {}),
      });
      return { jobs: page.jobs.map(toWireJob), ...(page.nextPaginationToken ? { nextPaginationToken: page.nextPaginationToken } : {}) };
    },
  );

  app.get(
    '/v1/jobs/:jobId',
    {
      config,
      schema: {
        summary: 'Get a job; with waitSeconds, wait for its next status (long poll)',
        tags,
        params: JobParams,
        querystring: GetJobQuery,
        response: { 200: Type.Object({ job: WireJob }), ...errors },
      },
    },
    async (request, reply) => {
      const { jobId } = request.params;
      const { waitSeconds, status } = request.query;
      const scope = requireScope(request);
      if (!waitSeconds) return { job: toWireJob(await c.uploads.getJob(scope, jobId)) };
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      const ms = Math.min(waitSeconds, MAX_WAIT_SECONDS) * 1000;
      const job = await c.uploads.waitForJob(scope, jobId, status, ms, AbortSignal.any([gone.signal, closing.signal]));
      return { job: toWireJob(job) };
    },
  );
}

import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import type { CreatedKey } from '../../src/auth/keys.ts';
import type { ContainerOptions } from '../../src/container.ts';
import type { DatabaseTarget, TestEnvironment } from './databases.ts';
import { createTestEnvironment } from './databases.ts';

export interface TestServer extends TestEnvironment {
  readonly app: FastifyInstance;
  /** A key of a first team, and one of a second team that must never see the first's data. */
  readonly key: CreatedKey;
  readonly otherKey: CreatedKey;
  dispose(): Promise<void>;
}

export const basic = (key: { id: string; secret: string }) => `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString('base64')}`;
export const bearer = (key: { secret: string }) => `Bearer ${key.secret}`;

export interface TestServerOptions extends Omit<ContainerOptions, 'schema'> {
  /** Run jobs in the test process, as `serve` does by default. */
  readonly jobs?: boolean;
  /** Adds hooks before the app is ready (a test that watches every answer). */
  readonly hooks?: (app: FastifyInstance) => void;
}

export async function startTestServer(
  target: DatabaseTarget,
  env: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const environment = await createTestEnvironment(target, { ASSETD_LOG_LEVEL: 'silent', ...env }, options);
  if (options.jobs) environment.container.runner.start();
  const app = await buildApp(environment.container, { logger: false });
  options.hooks?.(app);
  await app.ready();
  const key = await environment.container.keys.create({ team: 'first team', project: 'main' });
  const otherKey = await environment.container.keys.create({ team: 'second team', project: 'theirs' });
  return {
    ...environment,
    app,
    key,
    otherKey,
    async dispose() {
      await app.close();
      await environment.dispose();
    },
  };
}

export type Response = LightMyRequestResponse;

/** JSON body of a response, typed loosely for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
export const json = (response: Response): any => JSON.parse(response.body);

/** Routes whose answer to a GET is an endless stream (Server-Sent Events). */
const STREAMING_ROUTES = new Set(['/v1/events']);

/**
 * `app.inject`, except that an endless stream's answer (GET /v1/events) is read up to its status
 * and headers, then let go: tests that call every route get an answer from each.
 */
export async function injectAny(
  app: FastifyInstance,
  options: InjectOptions,
): Promise<{ statusCode: number; headers: Response['headers']; body: string }> {
  const path = String(options.url ?? '').split('?')[0] ?? '';
  if (options.method !== 'GET' || !STREAMING_ROUTES.has(path)) return app.inject(options);
  const response = await app.inject({ ...options, payloadAsStream: true });
  const stream = response.stream();
  if (response.statusCode === 200) {
    stream.destroy();
    return { statusCode: response.statusCode, headers: response.headers, body: '' };
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return { statusCode: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') };
}

import type { AddressInfo } from 'node:net';
// @ts-expect-error: the parser ships no types; it returns metric families as plain objects.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer } from '../src/http/metrics.ts';
import { uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { startTestServer, type TestServer } from './helpers/http.ts';
import { fixture, uniquePng } from './helpers/images.ts';
import { uploadMultipart } from './helpers/uploads.ts';

announceSkips();

const TOKEN = 'metrics-token-0123456789';

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; count?: string; labels?: Record<string, string> }[];
}

const parse = (text: string): Map<string, Family> =>
  new Map((parsePrometheusTextFormat(text) as Family[]).map((family) => [family.name, family]));

const sample = (families: Map<string, Family>, name: string, labels: Record<string, string>) =>
  families.get(name)?.metrics.find((metric) => Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value));

describe.each(DATABASES)('Prometheus metrics on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target, { ASSETD_METRICS_TOKEN: TOKEN }, { jobs: true });
  });
  afterAll(async () => server?.dispose());

  const scrape = async () => {
    const response = await server.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parse(response.body);
  };

  it.skipIf(target.skipReason)('parse as the text format, need the token, and move when uploads happen', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect(
      (await server.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-000000' } })).statusCode,
    ).toBe(401);

    // The parser reads counters and gauges well but drops labelled histogram samples: those are
    // read from the registry itself (the same numbers the text format carries).
    const histogramCount = async (name: string, labels: Record<string, string>) => {
      const metric = (await (server.container.metrics.registry?.getMetricsAsJSON() ?? [])).find((each) => each.name === name);
      const values = (metric?.values ?? []) as { metricName?: string; value: number; labels: Record<string, string | number> }[];
      const found = values.find(
        (value) =>
          value.metricName === `${name}_count` && Object.entries(labels).every(([key, label]) => String(value.labels[key]) === label),
      );
      return found?.value ?? 0;
    };
    const posts = { route: '/v1/assets', method: 'POST', status: '200' };
    await scrape();
    const postsBefore = await histogramCount('assetd_http_request_duration_seconds', posts);
    await uploadImage(server, await uniquePng(130));
    await uploadMultipart(server, fixture('model.glb'), { kind: '3d', contentType: 'model/gltf-binary' });
    const after = await scrape();

    expect(after.get('assetd_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(await histogramCount('assetd_http_request_duration_seconds', posts)).toBe(postsBefore + 1);
    expect(Number(sample(after, 'assetd_received_bytes_total', { path: 'base64' })?.value)).toBeGreaterThan(0);
    expect(Number(sample(after, 'assetd_received_bytes_total', { path: 'part' })?.value)).toBeGreaterThan(0);
    expect(Number(sample(after, 'assetd_uploads', { status: 'imported' })?.value)).toBeGreaterThanOrEqual(1);
    expect(Number(sample(after, 'assetd_jobs', { status: 'done' })?.value)).toBeGreaterThanOrEqual(1);
    expect(await histogramCount('assetd_job_duration_seconds', { type: 'upload.process', outcome: 'done' })).toBeGreaterThanOrEqual(1);
    // Routes are patterns, never URLs with ids in them.
    const text = (await server.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body;
    expect(text).toMatch(/route="\/v1\/uploads\/:uploadId"/);
    expect(text).not.toMatch(/route="[^"]*(asset|upload)_[A-Za-z0-9]/);
    // Node's own, with the assetd_ prefix.
    expect(after.has('assetd_process_cpu_user_seconds_total')).toBe(true);
  });

  it.skipIf(target.skipReason)('can be served on a port of their own, with nothing else there', async () => {
    const metricsServer = await startMetricsServer(server.container.metrics, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}`;
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(parse(await response.text()).has('assetd_jobs')).toBe(true);
      expect((await fetch(`${base}/v1/assets`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => metricsServer.close(resolve));
    }
  });
});

describe('metrics switched off', () => {
  it('are not served on the API port without a token', async () => {
    const server = await startTestServer(DATABASES[0] as (typeof DATABASES)[number]);
    try {
      expect((await server.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await server.dispose();
    }
  });
});

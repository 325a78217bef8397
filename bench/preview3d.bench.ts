import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sceneOf } from '../packages/server/src/media/model3d/scene-of.ts';
import { renderInThisThread } from '../packages/server/src/media/render3d/render-worker.ts';

/**
 * A 3D preview's time and peak memory for a 100k- and a 1M-triangle model (a binary STL
 * sphere), each measured in a fresh process: reading the model alone (the baseline, what
 * describing it already costs), then reading and rendering it (1024-px preview and 256-px
 * thumbnail from a 1536-px raster). Goal: ≤ 1 s and ≤ 200 MB for 100k triangles.
 */
const self = fileURLToPath(import.meta.url);

/** A UV sphere of about `triangles` triangles as binary STL. */
function sphereStl(triangles: number): Buffer {
  const rings = Math.max(4, Math.round(Math.sqrt(triangles / 2)));
  const segments = Math.max(4, Math.round(triangles / (2 * rings)));
  const count = rings * segments * 2;
  const out = Buffer.alloc(84 + count * 50);
  out.writeUInt32LE(count, 80);
  const point = (ring: number, segment: number) => {
    const theta = (Math.PI * ring) / rings;
    const phi = (2 * Math.PI * segment) / segments;
    return [Math.sin(theta) * Math.cos(phi), Math.sin(theta) * Math.sin(phi), Math.cos(theta)];
  };
  let at = 84;
  for (let r = 0; r < rings; r++) {
    for (let s = 0; s < segments; s++) {
      const [a, b, c, d] = [point(r, s), point(r + 1, s), point(r + 1, s + 1), point(r, s + 1)];
      for (const triangle of [
        [a, b, c],
        [a, c, d],
      ]) {
        at += 12; // normal left zero
        for (const vertex of triangle) for (const value of vertex as number[]) at = out.writeFloatLE(value, at);
        at += 2;
      }
    }
  }
  return out;
}

const peakRssMb = async () => {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
};

if (process.argv[2] === 'child') {
  const [, , , mode, file] = process.argv;
  const started = performance.now();
  if (mode === 'parse') await sceneOf(file as string, 'stl');
  else {
    const reply = await renderInThisThread({
      path: file as string,
      format: 'stl',
      previewEdge: 1024,
      thumbnailEdge: 256,
      maxTriangles: 5_000_000,
      deadline: Date.now() + 600_000,
    });
    if (!reply.ok) throw new Error(reply.reason);
  }
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, peakMb: await peakRssMb() }));
} else {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-3d-'));
  try {
    console.log('| model | read only (baseline) | read + render | ratio | peak RSS read / render |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const triangles of [100_000, 1_000_000]) {
      const file = path.join(dir, `sphere-${triangles}.stl`);
      await writeFile(file, sphereStl(triangles));
      const run = (mode: string) => {
        const result = spawnSync(process.execPath, [self, 'child', mode, file], { encoding: 'utf8' });
        if (result.status !== 0) throw new Error(result.stderr);
        return JSON.parse(result.stdout) as { ms: number; peakMb: number };
      };
      const parse = run('parse');
      const render = run('render');
      console.log(
        `| ${triangles.toLocaleString('en-US')} triangles | ${parse.ms.toFixed(0)} ms | ${render.ms.toFixed(0)} ms | ${(render.ms / parse.ms).toFixed(1)}× | ${parse.peakMb.toFixed(0)} / ${render.peakMb.toFixed(0)} MB |`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

import type { Scene } from './scene.ts';

/**
 * A z-buffered triangle rasteriser in TypeScript: the product's own code, because no npm
 * renderer draws without a GPU or a display (headless-gl needs a GPU driver or Mesa and builds
 * native code at install; three's renderers need WebGL or a DOM). Meshes are seen from a
 * three-quarter view in perspective, framed by their projected bounds, lit by a key and a fill
 * light (two-sided: a preview must not show holes where a file's winding is inconsistent),
 * Gouraud-shaded when the file has normals, flat otherwise, with vertex colours and a
 * nearest-texel base-colour texture sampled perspective-correct. Anti-aliasing is left to the
 * caller, which renders larger and scales down.
 */

export interface RasterOptions {
  /** Edge of the square image, in pixels. */
  readonly size: number;
  /** sRGB background, 0–255. */
  readonly background: readonly [number, number, number];
  /** Epoch milliseconds after which rendering stops with a RenderTimeout. */
  readonly deadline?: number;
  /** Degrees around the up axis (from the front, towards the right) and above the horizon. */
  readonly azimuth?: number;
  readonly elevation?: number;
}

export class RenderTimeout extends Error {
  constructor() {
    super('rendering took longer than its time budget');
  }
}

export class EmptyScene extends Error {
  constructor() {
    super('the model has no triangle to draw');
  }
}

type Vec3 = [number, number, number];

const normalize = (v: Vec3): Vec3 => {
  const length = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / length, v[1] / length, v[2] / length];
};
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** Lights in view space (x right, y up, z away from the viewer), as directions towards the light. */
const KEY = normalize([-0.45, 0.65, -0.6]);
const FILL = normalize([0.75, -0.05, -0.65]);
const AMBIENT = 0.3;
const KEY_STRENGTH = 0.75;
const FILL_STRENGTH = 0.3;
/** Share of the image the model's projected bounds may fill. */
const FRAME = 0.86;

/** Renders a scene to RGB bytes, size × size × 3, rows top to bottom. */
export function rasterise(scene: Scene, options: RasterOptions): Uint8Array {
  const { size } = options;
  // Parsing may have used the whole budget already.
  if (options.deadline !== undefined && Date.now() > options.deadline) throw new RenderTimeout();
  const camera = cameraFor(scene, options);
  const image = new Uint8Array(size * size * 3);
  image.set(options.background);
  // Doubling copies: a few memcpy calls instead of one call per pixel.
  for (let filled = 3; filled < image.length; filled *= 2) image.copyWithin(filled, 0, Math.min(filled, image.length - filled));
  const depth = new Float32Array(size * size);

  // Project every vertex once; the framing needs the projected bounds of them all.
  const projected = scene.batches.map((batch) => {
    const count = batch.positions.length / 3;
    const px = new Float32Array(count);
    const py = new Float32Array(count);
    const iz = new Float32Array(count);
    const p = batch.positions;
    for (let v = 0; v < count; v++) {
      const x = (p[v * 3] as number) - camera.eye[0];
      const y = (p[v * 3 + 1] as number) - camera.eye[1];
      const z = (p[v * 3 + 2] as number) - camera.eye[2];
      const vz = x * camera.f[0] + y * camera.f[1] + z * camera.f[2];
      const w = 1 / vz;
      px[v] = (x * camera.r[0] + y * camera.r[1] + z * camera.r[2]) * w;
      py[v] = (x * camera.u[0] + y * camera.u[1] + z * camera.u[2]) * w;
      iz[v] = w;
    }
    return { px, py, iz };
  });
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [b, batch] of scene.batches.entries()) {
    const { px, py } = projected[b] as (typeof projected)[number];
    for (const index of batch.indices) {
      const x = px[index] as number;
      const y = py[index] as number;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (!(maxX >= minX)) throw new EmptyScene();
  const scale = (size * FRAME) / Math.max(maxX - minX, maxY - minY, 1e-12);
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  for (const { px, py } of projected) {
    for (let v = 0; v < px.length; v++) {
      px[v] = size / 2 + ((px[v] as number) - cx) * scale;
      py[v] = size / 2 - ((py[v] as number) - cy) * scale;
    }
  }

  let drawn = 0;
  for (const [b, batch] of scene.batches.entries()) {
    const { px, py, iz } = projected[b] as (typeof projected)[number];
    drawn = drawBatch(batch, { px, py, iz }, camera, image, depth, size, options.deadline, drawn);
  }
  return image;
}

interface Camera {
  readonly eye: Vec3;
  /** Right, up and forward (into the scene), unit vectors. */
  readonly r: Vec3;
  readonly u: Vec3;
  readonly f: Vec3;
}

function cameraFor(scene: Scene, options: RasterOptions): Camera {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const batch of scene.batches) {
    const p = batch.positions;
    for (const index of batch.indices) {
      for (let axis = 0; axis < 3; axis++) {
        const value = p[index * 3 + axis] as number;
        if (value < (min[axis] as number)) min[axis] = value;
        if (value > (max[axis] as number)) max[axis] = value;
      }
    }
  }
  if (!min.every(Number.isFinite) || !max.every(Number.isFinite)) throw new EmptyScene();
  const center: Vec3 = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  const radius = Math.max(Math.hypot(max[0] - min[0], max[1] - min[1], max[2] - min[2]) / 2, 1e-9);
  const a = ((options.azimuth ?? 40) * Math.PI) / 180;
  const e = ((options.elevation ?? 25) * Math.PI) / 180;
  // From the front (+z for y-up files, −y for z-up ones), turned right and raised.
  const towardsViewer: Vec3 =
    scene.up === 'y'
      ? [Math.sin(a) * Math.cos(e), Math.sin(e), Math.cos(a) * Math.cos(e)]
      : [Math.sin(a) * Math.cos(e), -Math.cos(a) * Math.cos(e), Math.sin(e)];
  const up: Vec3 = scene.up === 'y' ? [0, 1, 0] : [0, 0, 1];
  // Three radii away: a gentle perspective, and the whole bounding sphere in front of the eye.
  const distance = radius * 3;
  const eye: Vec3 = [
    center[0] + towardsViewer[0] * distance,
    center[1] + towardsViewer[1] * distance,
    center[2] + towardsViewer[2] * distance,
  ];
  const f = normalize([-towardsViewer[0], -towardsViewer[1], -towardsViewer[2]]);
  const r = normalize(cross(f, up));
  const u = cross(r, f);
  return { eye, r, u, f };
}

const light = (nx: number, ny: number, nz: number) =>
  AMBIENT +
  KEY_STRENGTH * Math.max(0, nx * KEY[0] + ny * KEY[1] + nz * KEY[2]) +
  FILL_STRENGTH * Math.max(0, nx * FILL[0] + ny * FILL[1] + nz * FILL[2]);

function drawBatch(
  batch: Scene['batches'][number],
  screen: { px: Float32Array; py: Float32Array; iz: Float32Array },
  camera: Camera,
  image: Uint8Array,
  depth: Float32Array,
  size: number,
  deadline: number | undefined,
  drawnBefore: number,
): number {
  const { px, py, iz } = screen;
  const { positions: p, indices, normals, colors, uvs, texture } = batch;
  const [baseR, baseG, baseB] = batch.baseColor;
  const { r, u, f, eye } = camera;
  // Per-corner values of the current triangle: lit colour (r, g, b) and texture coordinates.
  const cr = new Float64Array(3);
  const cg = new Float64Array(3);
  const cb = new Float64Array(3);
  const tu = new Float64Array(3);
  const tv = new Float64Array(3);
  const texels = texture?.data;
  const tw = texture?.width ?? 0;
  const th = texture?.height ?? 0;
  const textured = texels !== undefined && uvs !== undefined && tw > 0 && th > 0;
  let drawn = drawnBefore;
  for (let t = 0; t + 2 < indices.length; t += 3) {
    if ((++drawn & 1023) === 0 && deadline !== undefined && Date.now() > deadline) throw new RenderTimeout();
    const i0 = indices[t] as number;
    const i1 = indices[t + 1] as number;
    const i2 = indices[t + 2] as number;
    const x0 = px[i0] as number;
    const y0 = py[i0] as number;
    const x1 = px[i1] as number;
    const y1 = py[i1] as number;
    const x2 = px[i2] as number;
    const y2 = py[i2] as number;
    const area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
    if (!(Math.abs(area) > 1e-12)) continue; // degenerate, or NaN
    const minX = Math.max(0, Math.floor(Math.min(x0, x1, x2)));
    const maxX = Math.min(size - 1, Math.ceil(Math.max(x0, x1, x2)));
    const minY = Math.max(0, Math.floor(Math.min(y0, y1, y2)));
    const maxY = Math.min(size - 1, Math.ceil(Math.max(y0, y1, y2)));
    if (minX > maxX || minY > maxY) continue;

    // The face's normal in view space, turned towards the viewer.
    const ax = p[i0 * 3] as number;
    const ay = p[i0 * 3 + 1] as number;
    const az = p[i0 * 3 + 2] as number;
    const e1x = (p[i1 * 3] as number) - ax;
    const e1y = (p[i1 * 3 + 1] as number) - ay;
    const e1z = (p[i1 * 3 + 2] as number) - az;
    const e2x = (p[i2 * 3] as number) - ax;
    const e2y = (p[i2 * 3 + 1] as number) - ay;
    const e2z = (p[i2 * 3 + 2] as number) - az;
    const wx = e1y * e2z - e1z * e2y;
    const wy = e1z * e2x - e1x * e2z;
    const wz = e1x * e2y - e1y * e2x;
    // From the eye to the triangle, in world space: a normal along it faces away.
    const sight = (ax - eye[0]) * wx + (ay - eye[1]) * wy + (az - eye[2]) * wz;
    const faceSign = sight > 0 ? -1 : 1;
    for (let k = 0; k < 3; k++) {
      const index = k === 0 ? i0 : k === 1 ? i1 : i2;
      let nx: number;
      let ny: number;
      let nz: number;
      if (normals) {
        nx = normals[index * 3] as number;
        ny = normals[index * 3 + 1] as number;
        nz = normals[index * 3 + 2] as number;
        // A smooth normal on the far side of the face is flipped with it.
        if ((nx * wx + ny * wy + nz * wz) * faceSign < 0) {
          nx = -nx;
          ny = -ny;
          nz = -nz;
        }
        if (nx * wx + ny * wy + nz * wz === 0) {
          nx = wx * faceSign;
          ny = wy * faceSign;
          nz = wz * faceSign;
        }
      } else {
        nx = wx * faceSign;
        ny = wy * faceSign;
        nz = wz * faceSign;
      }
      const length = Math.hypot(nx, ny, nz) || 1;
      const vx = (nx * r[0] + ny * r[1] + nz * r[2]) / length;
      const vy = (nx * u[0] + ny * u[1] + nz * u[2]) / length;
      const vz = (nx * f[0] + ny * f[1] + nz * f[2]) / length;
      const lit = light(vx, vy, vz);
      const vr = colors ? (colors[index * 3] as number) : 1;
      const vg = colors ? (colors[index * 3 + 1] as number) : 1;
      const vb = colors ? (colors[index * 3 + 2] as number) : 1;
      cr[k] = baseR * vr * lit * 255;
      cg[k] = baseG * vg * lit * 255;
      cb[k] = baseB * vb * lit * 255;
      if (textured) {
        tu[k] = uvs[index * 2] as number;
        tv[k] = uvs[index * 2 + 1] as number;
      }
    }

    const z0 = iz[i0] as number;
    const z1 = iz[i1] as number;
    const z2 = iz[i2] as number;
    const r0 = cr[0] as number;
    const r1 = cr[1] as number;
    const r2 = cr[2] as number;
    const g0 = cg[0] as number;
    const g1 = cg[1] as number;
    const g2 = cg[2] as number;
    const bl0 = cb[0] as number;
    const bl1 = cb[1] as number;
    const bl2 = cb[2] as number;
    const u0 = tu[0] as number;
    const u1 = tu[1] as number;
    const u2 = tu[2] as number;
    const v0 = tv[0] as number;
    const v1 = tv[1] as number;
    const v2 = tv[2] as number;
    const inverseArea = 1 / area;
    // Barycentric weights are linear in the pixel centre: w = wAtX0 + a·x on each row.
    const a0 = (y1 - y2) * inverseArea;
    const a1 = (y2 - y0) * inverseArea;
    const a2 = -a0 - a1;
    for (let y = minY; y <= maxY; y++) {
      const cyp = y + 0.5;
      // Weights at x = 0 (pixel centre 0.5 is added below).
      const w0Row = ((x2 - x1) * (cyp - y1) - (y2 - y1) * (0.5 - x1)) * inverseArea;
      const w1Row = ((x0 - x2) * (cyp - y2) - (y0 - y2) * (0.5 - x2)) * inverseArea;
      const w2Row = 1 - w0Row - w1Row;
      // The span of this row inside all three edges, solved rather than searched.
      let from = minX;
      let to = maxX;
      for (const [w, a] of [
        [w0Row, a0],
        [w1Row, a1],
        [w2Row, a2],
      ] as const) {
        if (a > 0) from = Math.max(from, Math.ceil(-w / a - 1e-9));
        else if (a < 0) to = Math.min(to, Math.floor(-w / a + 1e-9));
        else if (w < 0) to = -1;
      }
      let row = y * size + from;
      let w0 = w0Row + a0 * from;
      let w1 = w1Row + a1 * from;
      for (let x = from; x <= to; x++, row++, w0 += a0, w1 += a1) {
        const w2 = 1 - w0 - w1;
        if (w0 < -1e-7 || w1 < -1e-7 || w2 < -1e-7) continue;
        const z = w0 * z0 + w1 * z1 + w2 * z2;
        if (z <= (depth[row] as number)) continue;
        depth[row] = z;
        // Perspective-correct weights.
        const q0 = (w0 * z0) / z;
        const q1 = (w1 * z1) / z;
        const q2 = 1 - q0 - q1;
        let red = q0 * r0 + q1 * r1 + q2 * r2;
        let green = q0 * g0 + q1 * g1 + q2 * g2;
        let blue = q0 * bl0 + q1 * bl1 + q2 * bl2;
        if (textured) {
          const uu = q0 * u0 + q1 * u1 + q2 * u2;
          const vv = q0 * v0 + q1 * v1 + q2 * v2;
          // Repeat wrapping, as glTF's default sampler does; v runs down the image.
          const tx = Math.min(tw - 1, Math.floor((uu - Math.floor(uu)) * tw));
          const ty = Math.min(th - 1, Math.floor((vv - Math.floor(vv)) * th));
          const texel = (ty * tw + tx) * 4;
          red *= (texels[texel] as number) / 255;
          green *= (texels[texel + 1] as number) / 255;
          blue *= (texels[texel + 2] as number) / 255;
        }
        const out = row * 3;
        image[out] = red > 255 ? 255 : red;
        image[out + 1] = green > 255 ? 255 : green;
        image[out + 2] = blue > 255 ? 255 : blue;
      }
    }
  }
  return drawn;
}

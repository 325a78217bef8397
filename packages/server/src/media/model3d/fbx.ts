import { Euler, MathUtils, Matrix4, Vector3 } from 'three';
import { corruptMedia } from '../media-errors.ts';
import { childNamed, FbxArray, type FbxNode, type FbxValue, isBinaryFbx, readFbx } from './fbx-reader.ts';
import { Bounds, DistinctTuples, type ModelProperties } from './model-properties.ts';

/**
 * Counts what a binary FBX 7 holds: meshes (Geometry objects of class "Mesh"), bones (Model
 * objects of class "LimbNode"), skins and animation curves, and sizes the scene by placing
 * every mesh with its model's transform, the way the FBX SDK composes it. ASCII FBX and FBX 6
 * are valid files it does not parse: they are given their format and size alone.
 */
export function probeFbx(bytes: Uint8Array): ModelProperties {
  if (!isBinaryFbx(bytes)) return { format: 'fbx', size: bytes.length };
  const document = readFbx(bytes);
  // FBX 6 names objects instead of numbering them, a layout this reader does not follow.
  if (document.version < 7000) return { format: 'fbx', size: bytes.length };
  const objects = document.nodes.find((node) => node.name === 'Objects');
  if (!objects) throw corruptMedia('fbx', '3D model', 'it has no Objects section');
  const parents = parentLinks(document.nodes.find((node) => node.name === 'Connections'));
  // FBX declares its unit (UnitScaleFactor: centimetres per unit, 1 by default): sizes are given
  // in metres, as glTF's are.
  const globals = document.nodes.find((node) => node.name === 'GlobalSettings');
  const centimetres = (globals ? propertiesOf(globals).get('UnitScaleFactor')?.[0] : undefined) ?? 1;
  const toMetres = new Matrix4().makeScale(centimetres / 100, centimetres / 100, centimetres / 100);
  const models = new Map<FbxId, FbxNode>();
  for (const node of objects.children) if (node.name === 'Model') models.set(idOf(node), node);

  let vertexCount = 0;
  let faceCount = 0;
  let hasUVs = false;
  let hasNormals = false;
  const bounds = new Bounds();
  for (const geometry of objects.children) {
    if (geometry.name !== 'Geometry' || classOf(geometry) !== 'Mesh') continue;
    const vertices = arrayOf(geometry, 'Vertices');
    const polygons = arrayOf(geometry, 'PolygonVertexIndex');
    vertexCount += cornerVertices(geometry, vertices.length / 3, polygons);
    faceCount += triangles(polygons);
    hasUVs ||= layerHas(geometry, 'LayerElementUV', 'UV');
    hasNormals ||= layerHas(geometry, 'LayerElementNormal', 'Normals');
    const model = (parents.get(idOf(geometry)) ?? []).map((id) => models.get(id)).find(Boolean);
    const matrix = toMetres.clone().multiply(model ? geometryMatrix(model, models, parents) : new Matrix4());
    const point = new Vector3();
    for (let i = 0; i + 2 < vertices.length; i += 3) {
      point.set(vertices[i] as number, vertices[i + 1] as number, vertices[i + 2] as number).applyMatrix4(matrix);
      bounds.add(point.x, point.y, point.z);
    }
  }

  const boneCount = [...models.values()].filter((model) => classOf(model) === 'LimbNode').length;
  const hasSkin = objects.children.some((node) => node.name === 'Deformer' && classOf(node) === 'Skin');
  const keyTimes = new Set<number>();
  for (const curve of objects.children) {
    if (curve.name !== 'AnimationCurve') continue;
    for (const time of arrayOf(curve, 'KeyTime')) keyTimes.add(time);
  }
  const dimensions = bounds.size();
  return {
    format: 'fbx',
    size: bytes.length,
    vertexCount,
    faceCount,
    hasUVs,
    hasNormals,
    hasSkeleton: boneCount > 0 || hasSkin,
    boneCount,
    hasAnimations: keyTimes.size > 0,
    animationFrameCount: keyTimes.size,
    ...(dimensions ? { dimensions } : {}),
  };
}

/** Object ids are 64-bit integers; a double would merge ids that differ only in their low bits. */
export type FbxId = FbxValue;
export const idOf = (node: FbxNode): FbxId => node.properties[0] as FbxId;

/** An object's class: the last of its three properties (id, "name\0\1Class", class). */
export const classOf = (node: FbxNode) => node.properties[2];

export function arrayOf(node: FbxNode, name: string): ReturnType<FbxArray['values']> {
  const value = childNamed(node, name)?.properties[0];
  return value instanceof FbxArray ? value.values() : [];
}

function layerHas(geometry: FbxNode, layer: string, data: string): boolean {
  return geometry.children.some(
    (child) => child.name === layer && (childNamed(child, data)?.properties[0] as FbxArray | undefined)?.length,
  );
}

/**
 * The vertices a renderer makes of a mesh: FBX stores positions once per control point and
 * normals and UVs per polygon corner as often as per point, so a point whose corners carry
 * different normals (a cube's corner on three flat faces) is several vertices. They are the
 * distinct (control point, normal, UV) triples of the corners, as OBJ's v/vt/vn triples are;
 * values are compared rather than indices, since normals are usually stored once per corner.
 */
export function cornerVertices(geometry: FbxNode, pointCount: number, polygons: ArrayLike<number>): number {
  const normals = cornerLayer(geometry, 'LayerElementNormal', 'Normals', 'NormalsIndex', 3);
  const uvs = cornerLayer(geometry, 'LayerElementUV', 'UV', 'UVIndex', 2);
  const corners = new DistinctTuples(6);
  let polygon = 0;
  for (let corner = 0; corner < polygons.length; corner++) {
    const raw = polygons[corner] as number;
    const point = raw < 0 ? -raw - 1 : raw;
    if (point < pointCount) {
      corners.setInt(0, point);
      normals(corners, 1, corner, point, polygon);
      uvs(corners, 4, corner, point, polygon);
      corners.add();
    }
    if (raw < 0) polygon++;
  }
  return corners.count;
}

/** Where a layer element's value for a corner is, by its MappingInformationType. */
const SLOT_OF = new Map<string, (corner: number, point: number, polygon: number) => number>([
  ['ByPolygonVertex', (corner) => corner],
  ['ByVertice', (_, point) => point],
  ['ByVertex', (_, point) => point],
  ['ByControlPoint', (_, point) => point],
  ['ByPolygon', (_, __, polygon) => polygon],
  ['AllSame', () => 0],
]);

/** Writes a corner's value of a layer element (its normal, its UV) into words at…at + width − 1 of a tuple. */
type WriteCorner = (tuple: DistinctTuples, at: number, corner: number, point: number, polygon: number) => void;

/** The writer of the first layer element of a kind; where there is none, or it cannot be followed, every corner's value is 0. */
function cornerLayer(geometry: FbxNode, layer: string, data: string, index: string, width: number): WriteCorner {
  const element = geometry.children.find((child) => child.name === layer);
  const slotOf = SLOT_OF.get(String(element && childNamed(element, 'MappingInformationType')?.properties[0]));
  const values = element && childNamed(element, data)?.properties[0];
  if (!element || !slotOf || !(values instanceof FbxArray)) {
    return (tuple, at) => {
      for (let k = 0; k < width; k++) tuple.setFloat(at + k, 0);
    };
  }
  const direct = values.values();
  const indexValue = childNamed(element, index)?.properties[0];
  // IndexToDirect looks the slot up in the index array; Direct (or a missing index) reads the slot itself.
  const reference = String(childNamed(element, 'ReferenceInformationType')?.properties[0]);
  const indices = reference !== 'Direct' && indexValue instanceof FbxArray ? indexValue.values() : undefined;
  return (tuple, at, corner, point, polygon) => {
    const slot = slotOf(corner, point, polygon);
    const entry = indices ? (indices[slot] ?? -1) : slot;
    for (let k = 0; k < width; k++) tuple.setFloat(at + k, direct[entry * width + k] ?? 0);
  };
}

/** PolygonVertexIndex marks a polygon's last corner by storing it as −(index + 1). */
function triangles(polygons: ArrayLike<number>): number {
  let count = 0;
  let corners = 0;
  for (let i = 0; i < polygons.length; i++) {
    corners++;
    if ((polygons[i] as number) < 0) {
      count += Math.max(0, corners - 2);
      corners = 0;
    }
  }
  return count;
}

/** Object-to-object connections ("OO", child, parent): each child's parents. */
export function parentLinks(connections: FbxNode | undefined): Map<FbxId, FbxId[]> {
  const parents = new Map<FbxId, FbxId[]>();
  for (const link of connections?.children ?? []) {
    const [kind, child, parent] = link.properties;
    if (link.name !== 'C' || kind !== 'OO' || child === undefined || parent === undefined) continue;
    parents.set(child, [...(parents.get(child) ?? []), parent]);
  }
  return parents;
}

/** A node's Properties70 entries, by name: the numbers after the four leading fields. */
export function propertiesOf(node: FbxNode): Map<string, number[]> {
  const entries = new Map<string, number[]>();
  for (const entry of childNamed(node, 'Properties70')?.children ?? []) {
    if (entry.name !== 'P') continue;
    entries.set(String(entry.properties[0]), entry.properties.slice(4).map(Number));
  }
  return entries;
}

/** FBX's rotation orders (eEulerXYZ…) as three's Euler orders, which name the axes the other way round. */
const EULER_ORDERS = ['ZYX', 'YZX', 'XZY', 'ZXY', 'YXZ', 'XYZ'] as const;

function rotation(degrees: number[] | undefined, order: number): Matrix4 {
  const [x = 0, y = 0, z = 0] = degrees ?? [];
  const euler = new Euler(MathUtils.degToRad(x), MathUtils.degToRad(y), MathUtils.degToRad(z), EULER_ORDERS[order] ?? 'ZYX');
  return new Matrix4().makeRotationFromEuler(euler);
}

const translation = (values: number[] | undefined) => new Matrix4().makeTranslation(values?.[0] ?? 0, values?.[1] ?? 0, values?.[2] ?? 0);
const scaling = (values: number[] | undefined) => new Matrix4().makeScale(values?.[0] ?? 1, values?.[1] ?? 1, values?.[2] ?? 1);

/**
 * A model's local transform as the FBX SDK defines it:
 * T · Roff · Rp · Rpre · R · Rpost⁻¹ · Rp⁻¹ · Soff · Sp · S · Sp⁻¹.
 */
function localMatrix(model: FbxNode): Matrix4 {
  const p = propertiesOf(model);
  const order = p.get('RotationOrder')?.[0] ?? 0;
  const pivot = translation(p.get('RotationPivot'));
  const scalePivot = translation(p.get('ScalingPivot'));
  return new Matrix4()
    .multiply(translation(p.get('Lcl Translation')))
    .multiply(translation(p.get('RotationOffset')))
    .multiply(pivot)
    .multiply(rotation(p.get('PreRotation'), 0))
    .multiply(rotation(p.get('Lcl Rotation'), order))
    .multiply(rotation(p.get('PostRotation'), 0).invert())
    .multiply(pivot.clone().invert())
    .multiply(translation(p.get('ScalingOffset')))
    .multiply(scalePivot)
    .multiply(scaling(p.get('Lcl Scaling')))
    .multiply(scalePivot.clone().invert());
}

/** Where a model's geometry lands: its ancestors' transforms, its own, then its geometric offset. */
export function geometryMatrix(model: FbxNode, models: Map<FbxId, FbxNode>, parents: Map<FbxId, FbxId[]>): Matrix4 {
  const chain: FbxNode[] = [];
  const seen = new Set<FbxId>();
  for (let current: FbxNode | undefined = model; current; ) {
    const id = idOf(current);
    if (seen.has(id)) break; // a cycle in a broken file
    seen.add(id);
    chain.unshift(current);
    current = (parents.get(id) ?? []).map((parent) => models.get(parent)).find(Boolean);
  }
  const world = new Matrix4();
  for (const node of chain) world.multiply(localMatrix(node));
  const p = propertiesOf(model);
  return world
    .multiply(translation(p.get('GeometricTranslation')))
    .multiply(rotation(p.get('GeometricRotation'), 0))
    .multiply(scaling(p.get('GeometricScaling')));
}

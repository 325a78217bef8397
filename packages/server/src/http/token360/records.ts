import type { FastifyRequest } from 'fastify';
import type { Asset, Scope } from '../../assets/asset.ts';
import type { Container } from '../../container.ts';
import { linksFor } from '../file-links.ts';
import type { RecordContext } from './wire.ts';

/** The team of an authenticated request; routes with auth 'key' always have one. */
function tenantOf(request: FastifyRequest): string {
  if (!request.principal) throw new Error('token360 records need an authenticated request');
  return request.principal.teamId;
}

/** Looks up, in one query each, the names and ids the records of `assets` show besides the assets' own fields. */
export async function recordContext(c: Container, request: FastifyRequest, scope: Scope, assets: readonly Asset[]): Promise<RecordContext> {
  const tenantId = tenantOf(request);
  const [defaultCollectionId, groupNames, userNames] = await Promise.all([
    c.collections.defaultId(scope),
    c.collections.names(
      scope,
      assets.flatMap((asset) => asset.collectionIds.slice(0, 1)),
    ),
    c.keys.names(
      tenantId,
      assets.map((asset) => asset.authorId),
    ),
  ]);
  return {
    tenantId,
    link: linksFor(c, request),
    defaultCollectionId,
    groupNames,
    userNames,
  };
}

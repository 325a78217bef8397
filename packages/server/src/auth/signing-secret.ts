import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * The secret that signs URLs. Without ASSETD_SIGNING_SECRET it is generated once and kept in
 * the database, so links survive restarts and every process sharing the database agrees.
 */
export async function loadSigningSecret(db: Kysely<Database>, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  await db
    .insertInto('settings')
    .values({ name: 'signing_secret', value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('settings').select('value').where('name', '=', 'signing_secret').executeTakeFirstOrThrow();
  return row.value;
}

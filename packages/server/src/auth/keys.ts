import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { safeEqual, sha256Hex } from '../lib/hash.ts';
import { isId, newId, randomToken } from '../lib/ids.ts';
import { nowIso } from '../lib/time.ts';

/** Who is calling: an API key, its team, and the project it works in by default. */
export interface Principal {
  readonly keyId: string;
  readonly teamId: string;
  readonly defaultProjectId: string;
}

export interface KeyInfo {
  readonly id: string;
  readonly name: string;
  readonly teamId: string;
  readonly teamName: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** A project of a team, as clients list it to choose one. */
export interface ProjectInfo {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface CreatedKey extends KeyInfo {
  /** Shown once; only its hash is stored. */
  readonly secret: string;
}

/**
 * Secrets are random 256-bit strings, so a fast hash is the right tool: SHA-256 keeps every
 * request cheap, and unlike a password there is nothing to brute-force.
 */
const hashSecret = (secret: string) => sha256Hex(secret);

const newSecret = () => `sk_${randomToken(43)}`;

/** How long a key's revocation status is remembered by a process (file links check it). */
export const KEY_STATUS_TTL_MS = 30_000;
const KEY_STATUS_MAX = 10_000;

export class KeyService {
  readonly #db: Kysely<Database>;
  readonly #status = new Map<string, { active: boolean; until: number }>();

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** HTTP Basic: the key id names the key; the secret must match its hash. */
  async authenticateBasic(keyId: string, secret: string): Promise<Principal | undefined> {
    const row = await this.#db
      .selectFrom('api_keys')
      .select(['id', 'team_id', 'project_id', 'secret_hash'])
      .where('id', '=', keyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    // Hash even when the key is unknown, so timing does not tell which key ids exist.
    const presented = hashSecret(secret);
    if (!row || !safeEqual(row.secret_hash, presented)) return undefined;
    return { keyId: row.id, teamId: row.team_id, defaultProjectId: row.project_id };
  }

  /** Bearer: the secret alone identifies the key, found by its hash. */
  async authenticateBearer(secret: string): Promise<Principal | undefined> {
    const presented = hashSecret(secret);
    const row = await this.#db
      .selectFrom('api_keys')
      .select(['id', 'team_id', 'project_id', 'secret_hash'])
      .where('secret_hash', '=', presented)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row || !safeEqual(row.secret_hash, presented)) return undefined;
    return { keyId: row.id, teamId: row.team_id, defaultProjectId: row.project_id };
  }

  /**
   * Creates a key. `team` and `project` are ids or names: an existing one is used, a new
   * name creates it. Without a team, the oldest team (the default one) is used or created.
   */
  async create(options: { team?: string; project?: string; name?: string; id?: string; secret?: string } = {}): Promise<CreatedKey> {
    const secret = options.secret ?? newSecret();
    const id = options.id ?? newId('key');
    return this.#db.transaction().execute(async (trx) => {
      const team = await findOrCreateTeam(trx, options.team);
      const project = await findOrCreateProject(trx, team.id, options.project);
      const createdAt = nowIso();
      const name = options.name ?? 'api key';
      await trx
        .insertInto('api_keys')
        .values({
          id,
          team_id: team.id,
          project_id: project.id,
          name,
          secret_hash: hashSecret(secret),
          created_at: createdAt,
          revoked_at: null,
        })
        .execute();
      return {
        id,
        name,
        secret,
        teamId: team.id,
        teamName: team.name,
        projectId: project.id,
        projectName: project.name,
        createdAt,
        revokedAt: null,
      };
    });
  }

  async list(): Promise<KeyInfo[]> {
    const rows = await this.#db
      .selectFrom('api_keys')
      .innerJoin('teams', 'teams.id', 'api_keys.team_id')
      .innerJoin('projects', 'projects.id', 'api_keys.project_id')
      .select([
        'api_keys.id',
        'api_keys.name',
        'api_keys.team_id',
        'teams.name as team_name',
        'api_keys.project_id',
        'projects.name as project_name',
        'api_keys.created_at',
        'api_keys.revoked_at',
      ])
      .orderBy('api_keys.created_at')
      .orderBy('api_keys.id')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      teamId: row.team_id,
      teamName: row.team_name,
      projectId: row.project_id,
      projectName: row.project_name,
      createdAt: row.created_at,
      revokedAt: row.revoked_at,
    }));
  }

  /** The names of the team's keys among `keyIds`, revoked ones included: assets name their author by key id. */
  async names(teamId: string, keyIds: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(keyIds)];
    if (unique.length === 0) return new Map();
    const rows = await this.#db
      .selectFrom('api_keys')
      .select(['id', 'name'])
      .where('team_id', '=', teamId)
      .where('id', 'in', unique)
      .execute();
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  /**
   * Whether the key exists and is not revoked. Answers are remembered for `KEY_STATUS_TTL_MS`,
   * so serving a file link costs a lookup at most that often per key; a revocation takes
   * effect within that time.
   */
  async isActive(keyId: string): Promise<boolean> {
    const known = this.#status.get(keyId);
    if (known && known.until > Date.now()) return known.active;
    const row = await this.#db.selectFrom('api_keys').select('revoked_at').where('id', '=', keyId).executeTakeFirst();
    const active = row !== undefined && row.revoked_at === null;
    if (this.#status.size >= KEY_STATUS_MAX) this.#status.clear();
    this.#status.set(keyId, { active, until: Date.now() + KEY_STATUS_TTL_MS });
    return active;
  }

  /** Revokes a key; false when there is no such active key. */
  async revoke(keyId: string): Promise<boolean> {
    this.#status.delete(keyId);
    const result = await this.#db
      .updateTable('api_keys')
      .set({ revoked_at: nowIso() })
      .where('id', '=', keyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Makes sure the key given in the environment exists and has that secret: the
   * environment is the source of truth for it, so a changed secret replaces the old one.
   */
  async ensureKey(keyId: string, secret: string): Promise<'created' | 'updated' | 'unchanged'> {
    const find = () => this.#db.selectFrom('api_keys').select(['secret_hash', 'revoked_at']).where('id', '=', keyId).executeTakeFirst();
    let existing = await find();
    if (!existing) {
      try {
        await this.create({ id: keyId, secret, name: 'from environment' });
        return 'created';
      } catch (error) {
        // Several processes starting together: another one created it first (its whole
        // transaction won, ours rolled back); carry on with the key it made.
        existing = await find();
        if (!existing) throw error;
      }
    }
    if (existing.revoked_at === null && safeEqual(existing.secret_hash, hashSecret(secret))) return 'unchanged';
    await this.#db
      .updateTable('api_keys')
      .set({ secret_hash: hashSecret(secret), revoked_at: null })
      .where('id', '=', keyId)
      .execute();
    return 'updated';
  }

  async countActive(): Promise<number> {
    const row = await this.#db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** The team's projects, oldest first: what a key may pass as `projectId`. */
  async listProjects(principal: Principal): Promise<ProjectInfo[]> {
    const rows = await this.#db
      .selectFrom('projects')
      .select(['id', 'name', 'created_at'])
      .where('team_id', '=', principal.teamId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at }));
  }

  /**
   * A project named by an operator (`assetd projects set-quota`): its id, or its name when only
   * one project of any team has it.
   */
  async findProject(ref: string): Promise<ProjectInfo> {
    const rows = await this.#db
      .selectFrom('projects')
      .select(['id', 'name', 'created_at'])
      .where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]))
      .orderBy('created_at')
      .limit(10)
      .execute();
    const chosen = rows.find((row) => row.id === ref) ?? (rows.length === 1 ? rows[0] : undefined);
    if (chosen) return { id: chosen.id, name: chosen.name, createdAt: chosen.created_at };
    if (rows.length > 1) {
      throw new AppError('CONFLICT', `Several projects are named "${ref}" (${rows.map((row) => row.id).join(', ')}): name one by its id`);
    }
    throw new AppError('PROJECT_NOT_FOUND', `No project has the id or name "${ref}" (assetd keys list shows each key's project)`);
  }

  /** The project a request works in: `projectId` if given (it must be the team's), else the key's default. */
  async resolveProject(principal: Principal, projectId: string | undefined): Promise<string> {
    if (!projectId) return principal.defaultProjectId;
    const project = isId('proj', projectId)
      ? await this.#db
          .selectFrom('projects')
          .select('id')
          .where('id', '=', projectId)
          .where('team_id', '=', principal.teamId)
          .executeTakeFirst()
      : undefined;
    // Another team's project is answered exactly like a missing one.
    if (!project) throw new AppError('PROJECT_NOT_FOUND', `Project "${projectId}" was not found`);
    return project.id;
  }
}

async function findOrCreateTeam(db: Kysely<Database>, team: string | undefined): Promise<{ id: string; name: string }> {
  let query = db.selectFrom('teams').select(['id', 'name']).orderBy('created_at').orderBy('id').limit(1);
  if (team) query = query.where((eb) => eb.or([eb('id', '=', team), eb('name', '=', team)]));
  const found = await query.executeTakeFirst();
  if (found) return found;
  if (team?.startsWith('team_')) throw new AppError('NOT_FOUND', `Team "${team}" was not found`);
  const created = { id: newId('team'), name: team ?? 'default', created_at: nowIso() };
  await db.insertInto('teams').values(created).execute();
  return created;
}

async function findOrCreateProject(
  db: Kysely<Database>,
  teamId: string,
  project: string | undefined,
): Promise<{ id: string; name: string }> {
  let query = db.selectFrom('projects').select(['id', 'name']).where('team_id', '=', teamId).orderBy('created_at').orderBy('id').limit(1);
  if (project) query = query.where((eb) => eb.or([eb('id', '=', project), eb('name', '=', project)]));
  const found = await query.executeTakeFirst();
  if (found) return found;
  if (project?.startsWith('proj_')) throw new AppError('PROJECT_NOT_FOUND', `Project "${project}" was not found in this team`);
  const created = { id: newId('proj'), team_id: teamId, name: project ?? 'default', created_at: nowIso() };
  await db.insertInto('projects').values(created).execute();
  return { id: created.id, name: created.name };
}

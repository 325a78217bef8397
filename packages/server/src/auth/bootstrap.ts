import type { Config } from '../config.ts';
import type { KeyService } from './keys.ts';

/**
 * At start: the key from the environment exists with that secret; and when there is no key at
 * all, one is made and shown once so a fresh install can be used at once.
 */
export async function ensureStartupKey(keys: KeyService, config: Config, announce: (text: string) => void): Promise<void> {
  if (config.bootstrapKey) {
    await keys.ensureKey(config.bootstrapKey.apiKey, config.bootstrapKey.apiSecret);
    return;
  }
  if ((await keys.countActive()) > 0) return;
  const key = await keys.create({ name: 'first key' });
  announce(
    [
      '',
      'No API key existed, so one was created. The secret is shown only this once:',
      `  API key:    ${key.id}`,
      `  API secret: ${key.secret}`,
      `  project:    ${key.projectId}`,
      "Use HTTP Basic (key:secret) or 'Authorization: Bearer <secret>'. Manage keys with `assetd keys`.",
      '',
    ].join('\n'),
  );
}

import type { FastifyRequest } from 'fastify';

/** Names a server on this machine is always reached by. */
const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export interface OriginSettings {
  readonly publicUrl: string | undefined;
  /** `host` or `host:port` entries a request's Host header may name (ASSETD_ALLOWED_HOSTS). */
  readonly allowedHosts: readonly string[];
  /** The address the server listens on (HOST). */
  readonly host: string;
}

/**
 * The origin links are built on (file links, part URLs): ASSETD_PUBLIC_URL when set. Without
 * it, the request's Host only when it is this machine or an allowed name, else the address the
 * server listens on: a Host header is the client's to choose, and a link on `attacker.example`
 * handed to someone else would send their requests (and the signed capability) there.
 */
/**
 * The origin of links made outside any request (webhook payloads): ASSETD_PUBLIC_URL, else the
 * address and port the API listens on.
 */
export function serverOrigin(settings: OriginSettings & { readonly port: number }): string {
  if (settings.publicUrl) return settings.publicUrl;
  const listening = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host;
  const bare = listening.includes(':') && !listening.startsWith('[') ? `[${listening}]` : listening;
  return `http://${bare}:${settings.port}`;
}

export function requestOrigin(request: FastifyRequest, settings: OriginSettings): string {
  if (settings.publicUrl) return settings.publicUrl;
  const host = request.host;
  const name = request.hostname;
  if (LOCAL_NAMES.has(name) || settings.allowedHosts.includes(host) || settings.allowedHosts.includes(name)) {
    return `${request.protocol}://${host}`;
  }
  const port = request.socket?.localPort;
  const listening = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host;
  const bare = listening.includes(':') && !listening.startsWith('[') ? `[${listening}]` : listening;
  return `${request.protocol}://${bare}${port ? `:${port}` : ''}`;
}

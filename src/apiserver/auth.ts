/**
 * Authentication: bearer tokens kept in <dataDir>/tls/tokens. Every authenticated user is
 * an administrator for now (no RBAC). A few read-only health endpoints are public, as in
 * Kubernetes (system:public-info-viewer).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';

export interface User {
  name: string;
  groups: string[];
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export class TokenAuthenticator {
  private readonly tokens = new Map<string, User>();

  add(token: string, user: User): void {
    this.tokens.set(token, user);
  }

  /** The user of a request, or undefined if it carries no valid credentials. */
  authenticate(req: IncomingMessage): User | undefined {
    const h = req.headers.authorization;
    if (!h || !h.startsWith('Bearer ')) return undefined;
    const presented = Buffer.from(h.slice(7).trim());
    for (const [token, user] of this.tokens) {
      const t = Buffer.from(token);
      if (t.length === presented.length && timingSafeEqual(t, presented)) return user;
    }
    return undefined;
  }
}

export const isPublicPath = (path: string): boolean => PUBLIC_PATHS.has(path) || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/');

/** Reads the admin token from file, creating a random one on first start. */
export async function ensureToken(path: string): Promise<string> {
  try {
    const t = (await readFile(path, 'utf8')).trim();
    if (t) return t;
  } catch {
    // first start
  }
  const t = randomBytes(24).toString('hex');
  await writeFile(path, t + '\n', { mode: 0o600 });
  return t;
}

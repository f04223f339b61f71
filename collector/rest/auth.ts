// Bearer tokens with roles. Compared in constant time; the token itself never reaches a log line.
import { createHash, timingSafeEqual } from 'node:crypto';

export type Role = 'agent' | 'read' | 'admin';

export interface Token {
  name: string;
  role: Role;
  token: string;
}

/** What each role may do: admin can do everything, read can read, agent can push and read nothing else. */
const GRANTS: Record<Role, readonly Role[]> = { admin: ['admin', 'read', 'agent'], read: ['read'], agent: ['agent'] };

const digest = (s: string) => createHash('sha256').update(s).digest();

export class TokenAuth {
  private readonly tokens: { name: string; role: Role; digest: Buffer }[];

  constructor(tokens: readonly Token[]) {
    this.tokens = tokens.map((t) => ({ name: t.name, role: t.role, digest: digest(t.token) }));
  }

  /** The token's holder, or null. Every candidate is compared, so timing does not tell which one matched. */
  identify(presented: string): { name: string; role: Role } | null {
    const d = digest(presented);
    let found: { name: string; role: Role } | null = null;
    for (const t of this.tokens) if (timingSafeEqual(t.digest, d)) found = { name: t.name, role: t.role };
    return found;
  }

  static allows(have: Role, need: Role): boolean {
    return GRANTS[have].includes(need);
  }
}

export const bearerToken = (header: string | undefined): string | null => {
  if (header === undefined) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
};

import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ADMIN_API_CONFIG, type AdminApiConfig } from './admin-api.config.js';

/** Hashing both sides first gives equal lengths, so the comparison leaks neither content nor length. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && expected.length > 0;
}

export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : null;
}

@Injectable()
export class BearerGuard implements CanActivate {
  constructor(@Inject(ADMIN_API_CONFIG) private readonly config: AdminApiConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<IncomingMessage>();
    const token = bearerToken(req.headers.authorization);
    if (token === null || !tokenMatches(token, this.config.token)) {
      throw new UnauthorizedException('a valid "Authorization: Bearer <token>" header is required');
    }
    return true;
  }
}

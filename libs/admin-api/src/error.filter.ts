import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ContractError, type ErrorCode } from '@mail/contracts';
import type { ServerResponse } from 'node:http';
import { createLogger } from '@mail/telemetry';

const STATUS: Record<ErrorCode, number> = {
  INVALID: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  OVER_QUOTA: 409,
  FORBIDDEN: 403,
  UNAVAILABLE: 503,
  TIMEOUT: 503,
  INTERNAL: 500,
};

const HTTP_CODES: Record<number, string> = {
  400: 'INVALID',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

export interface ErrorBody {
  error: { code: string; message: string };
}

/** Maps an error to the API's `{ error: { code, message } }` reply. */
export function errorReply(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof ContractError) return { status: STATUS[err.code] ?? 500, body: { error: { code: err.code, message: err.message } } };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const res = err.getResponse();
    const message = typeof res === 'string' ? res : Array.isArray((res as { message?: unknown }).message) ? (res as { message: string[] }).message.join('; ') : String((res as { message?: unknown }).message ?? err.message);
    return { status, body: { error: { code: HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'ERROR'), message } } };
  }
  // body-parser's errors (bad JSON, too large) carry a status but are not HttpExceptions
  const status = (err as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { error: { code: HTTP_CODES[status] ?? 'INVALID', message: (err as Error).message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}

const logger = createLogger('admin-api');

@Catch()
export class AdminErrorFilter implements ExceptionFilter {
  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<ServerResponse>();
    const { status, body } = errorReply(err);
    if (status >= 500 && !(err instanceof ContractError && err.transient)) logger.error({ err }, 'admin API request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    if (status === 401) res.setHeader('www-authenticate', 'Bearer realm="mail-admin"');
    res.end(JSON.stringify(body));
  }
}

import type { ApiCall } from './commands.js';

/** The API answered with an error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Nothing answered at all. */
export class ConnectionError extends Error {}

export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 180_000,
  ) {}

  async send(call: ApiCall): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + call.path, {
        method: call.method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(call.body ? { 'content-type': 'application/json' } : {}),
        },
        body: call.body ? JSON.stringify(call.body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new ConnectionError(`the admin API at ${this.baseUrl} did not answer within ${Math.round(this.timeoutMs / 1000)} s`);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ConnectionError(`cannot reach the admin API at ${this.baseUrl}: is the server running? (${cause?.code ?? cause?.message ?? (err as Error).message})`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? `${res.status} ${res.statusText}`);
    }
    if (body === undefined && text) throw new ApiError(res.status, 'BAD_RESPONSE', `the server at ${this.baseUrl} did not answer JSON; is MAILCTL_URL the admin API?`);
    return body;
  }
}

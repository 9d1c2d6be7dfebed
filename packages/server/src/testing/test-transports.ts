/** The test client's transports: Fastify inject and fetch to a URL. Not a test file itself. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { TestAnswer, TestRequest, Transport } from './test-client.ts';

/** Every Set-Cookie line of a header value as Node gives it. */
export function setCookieLines(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  return Array.isArray(header) ? header : [header];
}

/** Requests through `app.inject`: no socket, the app in this process. */
export function injectTransport(app: Pick<FastifyInstance, 'inject'>): Transport<LightMyRequestResponse> {
  return async (request: TestRequest): Promise<TestAnswer<LightMyRequestResponse>> => {
    const response = await app.inject({
      method: request.method as 'GET',
      url: request.path,
      headers: request.headers ?? {},
      ...(request.json === undefined ? {} : { payload: request.json as object }),
    });
    return {
      status: response.statusCode,
      setCookies: setCookieLines(response.headers['set-cookie']),
      body: response.body,
      raw: response,
    };
  };
}

/** Requests over HTTP to a running server, as a client application makes them. */
export function fetchTransport(baseUrl: string, timeoutMs = 10_000): Transport<Response> {
  return async (request: TestRequest): Promise<TestAnswer<Response>> => {
    const headers = request.headers ?? {};
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: request.json === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: request.json === undefined ? undefined : JSON.stringify(request.json),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.text();
    return { status: response.status, setCookies: response.headers.getSetCookie(), body, raw: response };
  };
}

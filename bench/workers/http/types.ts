import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CaseNote } from '../../lib/types.ts';

/** A route of the tiny service: answers the request itself (see `respond`). */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** One load case the bench runs against the service: where to send what. */
export interface HttpCase {
  name: string;
  group: 'baseline' | 'jwt' | 'session' | 'login' | 'open-same-headers';
  /** For an `open-same-headers` case: the guarded case whose headers it sends to the open route. */
  pairedWith?: string;
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Login cases: bodies of other accounts (same password), one per legitimate user of a flood row. */
  otherAccounts?: string[];
}

/** Everything a feature adds to the service. */
export interface FeatureSetup {
  routes: Record<string, RouteHandler>;
  cases: HttpCase[];
  /** For cases whose credential can only be minted through the running service (express-session). */
  afterListen?(baseUrl: string): Promise<HttpCase[]>;
  close?(): Promise<void>;
}

export interface FeatureContext {
  databaseUrl: string;
  redisUrl: string;
  /** A failure of one part of a feature (one store, say), reported while the rest still runs. */
  fail(note: CaseNote): void;
}

export interface HttpServiceConfig {
  features: string[];
  databaseUrl: string;
  redisUrl: string;
}

export interface HttpServiceReady {
  port: number;
  cases: HttpCase[];
  failures: CaseNote[];
}

const OK_BODY = '{"ok":true}';
const REFUSED_BODY = '{"error":"invalid_token"}';

/** The one response every route gives, so the routes differ only in the check they make. */
export function respond(response: ServerResponse, ok: boolean): void {
  const body = ok ? OK_BODY : REFUSED_BODY;
  response.writeHead(ok ? 200 : 401, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(body);
}

import type { VerifyRequestInput } from '../types.ts';

type Headers = Record<string, string | string[] | undefined>;

/** The parts of a Node request (`IncomingMessage`) that matter to the verifier. */
export interface NodeRequestLike {
  headers: Headers;
  /** Every value of every header, as lists (Node 18.3+). */
  headersDistinct?: Record<string, string[] | undefined>;
}

/**
 * The verifier's input from a Node-based framework's request. Node keeps only the first of two
 * Authorization headers in `headers` and drops the other silently; `headersDistinct` still holds
 * both, so the verifier sees the ambiguity and refuses it instead of judging one of them.
 */
export function readNodeHeaders(
  headers: Headers,
  raw: NodeRequestLike | undefined,
  cookies: Record<string, string | undefined> | undefined,
  target?: { method?: string; url?: string },
): VerifyRequestInput {
  const { authorization, cookie, dpop } = headers;
  return {
    headers: {
      authorization:
        authorization === undefined ? undefined : (raw?.headersDistinct?.authorization ?? authorization),
      cookie,
      // Two DPoP headers are refused like two Authorization headers, so both must be seen.
      ...(dpop === undefined ? {} : { dpop: raw?.headersDistinct?.dpop ?? dpop }),
    },
    cookies,
    ...(target?.method === undefined ? {} : { method: target.method }),
    ...(target?.url === undefined ? {} : { url: target.url }),
  };
}

import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** What Node's HTTP parser reports before any route or hook runs. */
interface ClientError extends Error {
  code?: string;
}

/**
 * Fastify's `clientErrorHandler`, for requests Node's HTTP parser refuses before Fastify sees them:
 * ambiguous framing (Content-Length with Transfer-Encoding, two lengths: request smuggling), bare
 * LF or folded header lines, headers over the 16 KiB cap, a request too slow to arrive. They get
 * the same generic `{error}` body and hardening headers as every other error, not Fastify's
 * default `{error, message, statusCode}`, and the connection is closed: after a framing error
 * nothing more on it can be trusted.
 */
export function answerClientError(error: ClientError, socket: Socket): void {
  // A reset connection is already gone: there is no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout']
        : [400, 'invalid_request'];
  const body = JSON.stringify({ error: code });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'x-content-type-options: nosniff\r\n' +
        'referrer-policy: no-referrer\r\n' +
        'cache-control: no-store\r\n' +
        'connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}

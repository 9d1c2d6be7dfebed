/** The auth endpoints whose attempts are counted (`gatehouse_auth_attempts_total{endpoint}`). */
export type AuthEndpoint =
  | 'register'
  | 'login'
  | 'refresh'
  | 'logout'
  | 'logout_all'
  | 'password_change'
  | 'password_reset_request'
  | 'password_reset_confirm'
  | 'revoke'
  | 'introspect'
  | 'token';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Set on an auth route: the name its attempts are counted under (metrics/request-metrics.ts),
     * read from the matched route's config, so a route is named where it is declared.
     */
    authEndpoint?: AuthEndpoint;
  }
}

/**
 * The route options of a counted auth endpoint.
 *
 * @example
 * app.post('/auth/login', { ...countedAs('login'), onRequest }, handler);
 */
export function countedAs(endpoint: AuthEndpoint): { config: { authEndpoint: AuthEndpoint } } {
  return { config: { authEndpoint: endpoint } };
}

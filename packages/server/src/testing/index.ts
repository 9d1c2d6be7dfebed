// The server's test support (not shipped): a test server over the memory store, the one test client
// and its transports, and the HTTP tests' helpers and assertions.
export * from './http-assertions.ts';
export * from './inject-client.ts';
export {
  bearer,
  claimsOf,
  cookieValue,
  createTestClient,
  credentialHeaders,
  headerOf,
  type Login,
  type LoginOptions,
  type SessionLogin,
  sameOriginHeaders,
  TEST_ORIGIN,
  TEST_PASSWORD,
  type TestAnswer,
  type TestClient,
  type TestRequest,
  type TokenLogin as ClientTokenLogin,
  type TokenStrategy,
  type Transport,
} from './test-client.ts';
export * from './test-server.ts';
export * from './test-transports.ts';

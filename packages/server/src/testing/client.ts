// The test client alone, with its transports: no server code is loaded, so e2e tests and the bench
// (which talk to servers in other processes) import this (`@gatehouse/server/testing/client`).
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
export * from './test-transports.ts';

// The server's test support (not shipped): a test server over the memory store, the one test client
// and its transports, and the HTTP tests' helpers and assertions.
export * from './client.ts';
export * from './http-assertions.ts';
export * from './inject-client.ts';
export * from './test-server.ts';

// The server↔SDK protocol: credential names and parsing, refusal answers, revocation lifetimes.
// Leaf modules only (no node:*), so the SDK's WebCrypto build can import every one of them.
export * from './credentials.ts';
export * from './refusal.ts';
export * from './revocation-until.ts';

/**
 * `npm run example:spa`: examples/microservices plus the example SPA on http://localhost:5173
 * (SPA_PORT). See examples/spa/README.md.
 */
process.env.SPA_PORT ??= '5173';
await import('../microservices/start.ts');

import { randomBytes } from 'node:crypto';
import { generateSessionToken, type SigningAlgorithm, systemRandom, toBase64Url } from '@gatehouse/core';
import { SESSION_COOKIE } from '@gatehouse/verify';
import { attempt } from '../lib/cases.ts';
import { formatRatio } from '../lib/format.ts';
import { headerBytes } from '../lib/header-bytes.ts';
import { mintExpressSessionCookie } from '../lib/express-session-cookie.ts';
import { ALGORITHMS, createSigningFixture } from '../lib/signing-fixture.ts';
import { ratio } from '../lib/stats.ts';
import { emptyResult, type Scenario, type ScenarioResult } from '../lib/types.ts';
import { loginResponses } from '../lib/server-login-responses.ts';

const ROLES = ['admin', 'billing', 'support'];

interface Credential {
  name: string;
  header: string;
  value: string;
  baseline?: boolean;
}

/** Ids shaped like the real ones (128 random bits, base64url), so the token is the real size. */
const randomId = () => toBase64Url(randomBytes(16));

async function accessTokens(alg: SigningAlgorithm): Promise<Credential[]> {
  const fixture = await createSigningFixture(alg);
  const claims = { sub: randomId(), sid: randomId() };
  const bare = await fixture.signer.sign(claims);
  const withRoles = await fixture.signer.sign({ ...claims, roles: ROLES });
  return [
    { name: `access token ${alg}, no roles`, header: 'Authorization', value: `Bearer ${bare.token}` },
    {
      name: `access token ${alg}, ${ROLES.length} roles`,
      header: 'Authorization',
      value: `Bearer ${withRoles.token}`,
    },
  ];
}

function addPerRequestSection(result: ScenarioResult, credentials: Credential[]): void {
  const sizeOf = (credential: Credential) => headerBytes(credential.header, credential.value);
  const baseline = credentials.find((credential) => credential.baseline);
  const baselineBytes = baseline ? sizeOf(baseline) : undefined;
  result.sections.push({
    title: 'What every request carries',
    description:
      'The credential header a client sends on each request. Header bytes count "Name: value" and CRLF as in HTTP/1.1.',
    table: {
      columns: ['credential', 'value bytes', 'header bytes', '× session cookie'],
      align: ['left', 'right', 'right', 'right'],
      rows: credentials.map((credential) => [
        credential.name,
        String(Buffer.byteLength(credential.value)),
        String(sizeOf(credential)),
        formatRatio(ratio(sizeOf(credential), baselineBytes)),
      ]),
    },
    chart: {
      title: 'Credential bytes per request',
      unit: 'bytes',
      better: 'lower',
      bars: credentials.map((credential) => ({
        label: credential.name,
        value: sizeOf(credential),
        baseline: credential.baseline ?? false,
      })),
    },
  });
  const largest = credentials.reduce((a, b) => (sizeOf(a) >= sizeOf(b) ? a : b));
  const tokens = credentials
    .filter((credential) => credential.header === 'Authorization')
    .map((credential) => Buffer.byteLength(credential.value) - 'Bearer '.length);
  if (baseline && tokens.length > 0) {
    result.headlines.push(
      `Bytes on the wire: access tokens are ${Math.min(...tokens)}–${Math.max(...tokens)} bytes (largest header: ${largest.name}, ${formatRatio(ratio(sizeOf(largest), baselineBytes))} the ${baselineBytes}-byte session cookie header, whose value is a ${Buffer.byteLength(baseline.value) - SESSION_COOKIE.length - 1}-character id.secret).`,
    );
  }
}

export const bytesScenario: Scenario = {
  name: 'bytes',
  title: 'Bytes on the wire',
  async run(ctx) {
    const result = emptyResult();
    const credentials: Credential[] = [
      {
        name: 'session cookie (Gatehouse, id.secret)',
        header: 'Cookie',
        value: `${SESSION_COOKIE}=${generateSessionToken(systemRandom).value}`,
        baseline: true,
      },
    ];
    const express = await attempt(result, 'express-session cookie', () =>
      mintExpressSessionCookie(ctx.redisUrl),
    );
    if (express)
      credentials.push({
        name: 'session cookie (express-session, signed id)',
        header: 'Cookie',
        value: express,
      });
    for (const alg of ALGORITHMS)
      credentials.push(...((await attempt(result, `${alg} access tokens`, () => accessTokens(alg))) ?? []));
    addPerRequestSection(result, credentials);
    ctx.progress(`${credentials.length} per-request credentials sized`);
    await attempt(result, 'login responses from the server', () => loginResponses(ctx, result, ROLES));
    result.notes.push(
      'Access tokens come from the production signer: header {alg, kid, typ: at+jwt}; claims iss (https://auth.example.com), aud (api), sub, sid, jti (128-bit ids), iat, exp, and roles when the user has any. A longer issuer or audience adds its length (times 4/3) to every token.',
      'Sizes are exact for this run; apart from roles they do not depend on the user, as every id has a fixed length.',
    );
    return result;
  },
};

import {
  chooseRotationStep,
  completeRotationAudit,
  isSessionLive,
  isSuccessorUsed,
  mayRotateFor,
  sessionAfterRotation,
} from '../../refresh/rotation-rule.ts';
import type { RefreshTokenStore, RotateRefreshInput, RotateRefreshResult } from '../../store/types.ts';
import { recordRevocations } from './revocations.ts';
import { appendAudit, copy, deleteSession, type MemoryState } from './state.ts';

/** Stores the first token of a family (`issue`, and a session created with its token). */
export function issueToken(state: MemoryState, record: Parameters<RefreshTokenStore['issue']>[0]): void {
  state.refresh.set(record.hash, { ...record, consumedAt: null, successorCipher: null });
}

export function createMemoryRefreshTokenStore(state: MemoryState): RefreshTokenStore {
  const { refresh } = state;
  return {
    async issue(record) {
      issueToken(state, record);
    },
    async rotate(input) {
      return rotate(state, input);
    },
    async sessionIdFor(hash) {
      return refresh.get(hash)?.sessionId ?? null;
    },
    async sessionFor(hash) {
      const token = refresh.get(hash);
      const session = token ? state.sessions.get(token.sessionId) : undefined;
      return session ? copy(session) : null;
    },
  };
}

/** One rotation step, decided by the shared rotation rule; synchronous, so atomic. */
function rotate(state: MemoryState, input: RotateRefreshInput): RotateRefreshResult {
  const { refresh, sessions } = state;
  const token = refresh.get(input.presentedHash);
  if (!token) return { outcome: 'invalid' };
  const session = sessions.get(token.sessionId);
  if (!session || !isSessionLive(session, input.now)) return { outcome: 'invalid' };
  const user = state.users.get(session.userId);
  if (!mayRotateFor(user)) return { outcome: 'invalid' };
  const successor = token.successorHash ? refresh.get(token.successorHash) : null;
  const decision = chooseRotationStep(token, input, isSuccessorUsed(successor));
  if (decision.step === 'replay') {
    return {
      outcome: 'replayed',
      session: copy(session),
      successorCipher: decision.successorCipher,
      user: copy(user),
    };
  }
  if (decision.step === 'reuse') {
    recordRevocations(
      state,
      [{ type: 'session', sid: session.id, sub: session.userId, until: input.revocationUntil }],
      input.now,
    );
    appendAudit(state, completeRotationAudit(input.audit, 'reused', session));
    return { outcome: 'reused', session: deleteSession(state, session.id)! };
  }
  token.consumedAt = input.now;
  token.successorCipher = input.successorCipher;
  token.successorHash = input.successor.hash;
  issueToken(state, { ...input.successor, sessionId: session.id });
  const rotated = sessionAfterRotation(session, input);
  sessions.set(session.id, rotated);
  appendAudit(state, completeRotationAudit(input.audit, 'rotated', session));
  return { outcome: 'rotated', session: copy(rotated), user: copy(user) };
}

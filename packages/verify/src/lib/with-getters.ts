/**
 * `target` with a read-only accessor per entry of `getters`, enumerable and configurable like an
 * object literal's `get name()`. Not written as such a literal because V8 creates an object literal
 * that has a getter in dictionary mode: every property read on it (`follower.lastMessageAt` on
 * each request, `keys.get` on each token) is then a generic lookup rather than an inlined load.
 * An accessor defined on the object afterwards keeps its fast shape.
 */
export function withGetters<T extends object, K extends keyof T>(
  target: Omit<T, K>,
  getters: { [P in K]: () => T[P] },
): T {
  for (const [name, get] of Object.entries<() => unknown>(getters)) {
    Object.defineProperty(target, name, { get, enumerable: true, configurable: true });
  }
  return target as T;
}

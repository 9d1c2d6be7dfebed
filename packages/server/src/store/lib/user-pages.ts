import type { UserRecord, UserStore } from '@gatehouse/core';

/**
 * Every user, one page at a time in the store's order (by email), until a page comes back short.
 * The stores page by offset: on the Redis store each page reads every user before it again, so a
 * caller that reads them all wants large pages.
 */
export async function* userPages(users: UserStore, pageSize: number): AsyncGenerator<UserRecord[]> {
  for (let offset = 0; ; offset += pageSize) {
    const page = await users.list({ limit: pageSize, offset });
    yield page;
    if (page.length < pageSize) return;
  }
}

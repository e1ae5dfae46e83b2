/** A cursor page as the API returns it. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Walks every page from the first (or the given cursor), yielding items one by one. */
export async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, cursor?: string): AsyncGenerator<T, void, undefined> {
  let next: string | undefined = cursor;
  do {
    const page = await fetchPage(next);
    for (const item of page.items) yield item;
    next = page.nextCursor ?? undefined;
  } while (next);
}

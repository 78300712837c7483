/**
 * Every page of an SDK paginator, and a loud stop when the service hands back a next token it
 * has handed back before. The SDK's paginators follow whatever token comes, so a service that
 * repeats one (moto 5.2.1's ListCreateAccountStatus beyond two pages hands back the same token
 * for ever) makes them loop without end. A listing cut short is not trusted either: callers
 * decide from complete listings whether something exists (an account, a creation in
 * progress), and one that looked complete but was not would have them do it twice. So a
 * repeated token is an error that names it.
 */

/** A listing whose next token repeats: the service would send the same pages for ever. */
export class RepeatedPageTokenError extends Error {
  override readonly name = 'RepeatedPageTokenError';
  constructor(
    readonly token: string,
    readonly pages: number,
  ) {
    super(`an AWS listing handed back the next token "${token.slice(0, 64)}" a second time, after ${pages} pages: it would never end, so it is not trusted`);
  }
}

type NextToken = { NextToken?: string | undefined };

export function everyPage<P extends NextToken>(paginator: AsyncIterable<P>): AsyncGenerator<P>;
export function everyPage<P>(paginator: AsyncIterable<P>, nextToken: (page: P) => string | undefined): AsyncGenerator<P>;
export async function* everyPage<P>(paginator: AsyncIterable<P>, nextToken: (page: P) => string | undefined = (page) => (page as NextToken).NextToken): AsyncGenerator<P> {
  const seen = new Set<string>();
  let pages = 0;
  for await (const page of paginator) {
    pages += 1;
    // This page was asked for with a token not used before, so it is new; the one its token leads to may not be.
    yield page;
    const token = nextToken(page);
    if (!token) continue;
    if (seen.has(token)) throw new RepeatedPageTokenError(token, pages);
    seen.add(token);
  }
}

// GET /admin/users: GoTrue's offset pages (`page`, `per_page`), `filter`, `sort`; Link + X-Total-Count.
import { authenticateAdmin } from '../authenticate.js';
import type { DoubleCore } from '../double-core.js';
import type { RouteHandler } from '../double-request.js';
import { goTrueErrors, GoTrueError } from '../gotrue-errors.js';
import { jsonReply } from '../reply.js';
import type { UserRecord } from '../user-store.js';
import { toWireUser } from '../user-view.js';

const DEFAULT_PER_PAGE = 50;

/**
 * `FindUsersInAudience`: every user of the audience (soft-deleted ones too), `filter` as
 * `email LIKE %f% OR full_name ILIKE %f%` (the caller's `%`, `_` and `\` keep their LIKE meaning),
 * sorted by `created_at` (default newest first), then the page (pop: page < 1 is 1).
 */
export const handleAdminListUsers: RouteHandler = async (request, core) => {
  await authenticateAdmin(core, request);
  const page = readUint(request.query.get('page'), 1);
  const perPage = readUint(request.query.get('per_page'), DEFAULT_PER_PAGE);
  const ascending = readSortAscending(request.query.get('sort'));
  // GoTrue divides by per_page to count pages: 0 panics there (answered 500).
  if (perPage === 0) throw goTrueErrors.unexpectedFailure();
  const filter = request.query.get('filter') ?? '';
  const matching = listInOrder(core, ascending).filter((user) => isFilterMatch(user, filter));
  const start = (Math.max(page, 1) - 1) * perPage;
  const users = matching.slice(start, start + perPage);
  return jsonReply(
    200,
    { users: users.map(toWireUser), aud: 'authenticated' },
    {
      link: paginationLink(request.query, page, perPage, matching.length),
      'x-total-count': String(matching.length),
    },
  );
};

/** Oldest insertion first for equal times, reversed for newest first: a deterministic tie order. */
function listInOrder(core: DoubleCore, ascending: boolean): UserRecord[] {
  const inserted = core.users.list();
  const sorted = inserted
    .map((user, index) => ({ user, index }))
    .sort((a, b) => a.user.createdAt - b.user.createdAt || a.index - b.index)
    .map(({ user }) => user);
  return ascending ? sorted : sorted.reverse();
}

/** `strconv.ParseUint`: digits only; absent or empty means the default. */
function readUint(value: string | null, fallback: number): number {
  if (value === null || value === '') return fallback;
  if (!/^\d+$/u.test(value))
    throw goTrueErrors.badPagination(
      `strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`,
    );
  return Number(value);
}

/** `sort=created_at asc|desc` (the only sortable field); true for ascending. */
function readSortAscending(value: string | null): boolean {
  if (value === null || value === '') return false;
  const match = /^created_at(?: (asc|desc))?$/iu.exec(value.trim());
  if (match === null)
    throw new GoTrueError(400, 'validation_failed', `Bad Sort Parameters: ${value}`);
  return match[1]?.toLowerCase() === 'asc';
}

function isFilterMatch(user: UserRecord, filter: string): boolean {
  if (filter === '') return true;
  const pattern = `%${filter}%`;
  const fullName = user.userMetadata.full_name;
  return (
    likeRegExp(pattern, '').test(user.email) ||
    (fullName !== undefined && fullName !== null && likeRegExp(pattern, 'i').test(textOf(fullName)))
  );
}

/** `->>`: a JSON string as itself, anything else as its JSON text. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Postgres LIKE with its default escape `\`: `%` any run, `_` one character. */
function likeRegExp(pattern: string, flags: '' | 'i'): RegExp {
  let source = '';
  const characters = Array.from(pattern);
  for (let index = 0; index < characters.length; index += 1) {
    const character = characters[index] ?? '';
    if (character === '\\') {
      index += 1;
      // Postgres: "LIKE pattern must not end with escape character" (GoTrue answers 500).
      if (index >= characters.length)
        throw goTrueErrors.unexpectedFailure('Database error finding users');
      source += escapeRegExp(characters[index] ?? '');
    } else if (character === '%') source += '.*';
    else if (character === '_') source += '.';
    else source += escapeRegExp(character);
  }
  return new RegExp(`^${source}$`, `su${flags}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}

/**
 * `addPaginationHeaders`: the request's own query (keys sorted, as Go's `Values.Encode`) with
 * `page` set; `next` while pages remain, `last` always. The path is the one GoTrue sees, below
 * the platform's `/auth/v1`.
 */
function paginationLink(
  query: URLSearchParams,
  page: number,
  perPage: number,
  total: number,
): string {
  const totalPages = Math.ceil(total / perPage);
  const withPage = (value: number): string => {
    const params = new URLSearchParams(query);
    params.set('page', String(value));
    params.sort();
    return `</admin/users?${params.toString()}>`;
  };
  const next = totalPages > page ? `${withPage(page + 1)}; rel="next", ` : '';
  return `${next}${withPage(totalPages)}; rel="last"`;
}

-- Administration (issue 17). Roles already live on the user (001: roles text[] not null default
-- '{}'); a disabled flag joins them: a disabled user cannot sign in and has no session.
alter table users add column disabled_at timestamptz;

-- The admin list pages by keyset over (created_at, id), newest first (a btree reads backwards).
create index users_created_at_id on users (created_at, id);

-- Address search is a case-insensitive substring match: no btree serves it (users_email_lower
-- serves exact look-ups); a pg_trgm index would, but embedded PGlite does not ship that extension.

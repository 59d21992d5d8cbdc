-- Sign-in with an external identity provider (issue 16): which account each outside identity
-- opens, and the confirmations that link one to an existing account by its address.
create table external_identities (
  provider text not null,
  subject text not null,
  user_id uuid not null references users (id) on delete cascade,
  email text,
  created_at timestamptz not null,
  last_sign_in_at timestamptz,
  primary key (provider, subject)
);

create index external_identities_user on external_identities (user_id);

-- A link asked for by signing in with a provider whose verified address matches an account:
-- only the SHA-256 of the mailed token is kept; used once, before it expires.
create table identity_link_requests (
  token_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  provider text not null,
  subject text not null,
  email text,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);

create index identity_link_requests_user on identity_link_requests (user_id);

-- An account made at a first external sign-in has no password anyone knows (a random one is
-- hashed in its place) until its owner sets one through a reset.
alter table users add column password_usable boolean not null default true;

-- Accounts of the built-in identity provider and their single-use tokens.
create table users (
  id uuid primary key,
  email text not null,
  password_hash text not null,
  roles text[] not null default '{}',
  email_verified_at timestamptz,
  password_changed_at timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- One account per address, whatever its case.
create unique index users_email_lower on users (lower(email));

-- Verification and reset tokens: only their SHA-256 is stored; each is used once.
create table one_time_tokens (
  token_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  purpose text not null check (purpose in ('verify_email', 'reset_password')),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);

create index one_time_tokens_user_purpose on one_time_tokens (user_id, purpose);

-- Second factors. User ids are plain text, not references to users: with Supabase the accounts
-- live there and only these rows live here.

-- Authenticator-app (TOTP) factors of the built-in provider. The secret is sealed with the
-- encryption key (v1.<key id>.<iv>.<ciphertext>.<tag>), bound to the user and factor id.
create table totp_factors (
  id text primary key,
  user_id text not null,
  label text not null,
  status text not null check (status in ('pending', 'active')),
  secret_ciphertext text not null,
  -- The last accepted time step: a code of this step or an older one is a replay.
  last_used_step bigint not null default -1,
  created_at timestamptz not null,
  activated_at timestamptz,
  last_used_at timestamptz
);

create index totp_factors_user on totp_factors (user_id, created_at);

-- At most one enrollment waiting for its first code per user (a new one replaces it).
create unique index totp_factors_one_pending on totp_factors (user_id) where status = 'pending';

-- Recovery codes: only the SHA-256 of the normalised code is stored; each is used once. The
-- unique constraint's index (user_id first) serves the look-ups by user.
create table recovery_codes (
  user_id text not null,
  code_hash text not null,
  created_at timestamptz not null,
  used_at timestamptz,
  unique (user_id, code_hash)
);

-- One-time codes by mail as a second factor: on for a user while a row exists.
create table email_factors (
  user_id text primary key,
  address text not null,
  enabled_at timestamptz not null,
  last_used_at timestamptz
);

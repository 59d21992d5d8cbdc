-- The audit log: security events of auth, the gateway (through the Redis stream) and the admin
-- CLI. Append-only: rows are inserted, and deleted only by retention; never updated. User ids are
-- plain text, not references to users: an event outlives the account it is about.
create table audit_events (
  -- Assigned at insert, in insertion order: the admin API's cursor (newest first).
  id bigint generated always as identity primary key,
  at timestamptz not null,
  type text not null,
  user_id text,
  actor text,
  session_id text,
  ip text,
  request_id text,
  source text not null,
  details jsonb not null default '{}',
  -- The Redis stream entry an event came from: a redelivered entry is not stored twice.
  stream_id text
);

-- "A user's events, newest first" and "events of a type (or a type prefix), newest first".
create index audit_events_user on audit_events (user_id, id desc) where user_id is not null;
create index audit_events_type on audit_events (type text_pattern_ops, id desc);

-- Time ranges, and retention's "older than".
create index audit_events_at on audit_events (at);

create unique index audit_events_stream_id on audit_events (stream_id) where stream_id is not null;

-- Append-only in the database too: an update is refused whoever asks.
create function audit_events_refuse_update() returns trigger language plpgsql as $$ begin raise exception 'audit_events is append-only'; end $$;

create trigger audit_events_append_only before update on audit_events for each row execute function audit_events_refuse_update();

-- Mail waiting to go out: the auth process's worker claims due rows, sends them, marks them sent,
-- and on failure tries again later with exponential backoff. Bodies (their links are one-time
-- tokens) are kept only until the mail is sent or given up.
create table mail_outbox (
  id uuid primary key,
  kind text not null,
  recipient text not null,
  subject text,
  text_body text,
  html_body text,
  created_at timestamptz not null,
  next_attempt_at timestamptz not null,
  claimed_until timestamptz,
  attempts integer not null default 0,
  last_error text,
  sent_at timestamptz,
  given_up_at timestamptz
);

-- The worker's question: what is due and not yet finished.
create index mail_outbox_due on mail_outbox (next_attempt_at) where sent_at is null and given_up_at is null;

-- Account self-service: email-change links are one-time tokens that carry the address to move to.
alter table one_time_tokens drop constraint one_time_tokens_purpose_check;

alter table one_time_tokens add constraint one_time_tokens_purpose_check check (purpose in ('verify_email', 'reset_password', 'change_email'));

-- The address a change_email token moves the account to; only those tokens have one.
alter table one_time_tokens add column new_email text;

alter table one_time_tokens add constraint one_time_tokens_new_email_check check ((purpose = 'change_email') = (new_email is not null));

-- 021_run_encryption: the recipients each backup run's files were encrypted to (docs/encryption.md).
--
-- `encryption` is null for a run whose files are not encrypted (every run before this migration), else
-- {"age": {"recipients": ["age1...", "ssh-ed25519 AAAA..."]}}: the public keys the run's files were written to,
-- as its definition named them then. Kept backups outlive changes of a definition's recipients (key rotation
-- applies to new backups only): `plan` reads this to warn when a recipient is removed from the configuration
-- while kept backups are encrypted to no recipient it still has, and restore says which identity a backup
-- needs. Any method may encrypt its files, so this is a shared column rather than a method fact.
alter table pgbackops.backup_runs
  add column encryption jsonb check (
    encryption is null
    or (jsonb_typeof(encryption -> 'age' -> 'recipients') = 'array' and jsonb_array_length(encryption -> 'age' -> 'recipients') > 0)
  );

-- Encrypted runs that are kept: what the plan's recipient check reads (a catalog of unencrypted runs has
-- no entry in it).
create index backup_runs_encrypted_idx on pgbackops.backup_runs (definition) where encryption is not null;

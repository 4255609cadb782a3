-- One row per provider, shared by every node (ADR 0012): no call to the provider goes out before not_before (the
-- latest Retry-After a provider answered, as an instant of the database's clock), and with a request-rate cap each
-- call reserves the next free slot, next_slot advancing by 60 s / rpm per call.
CREATE TABLE provider_gate (
    provider_id VARCHAR(63)              NOT NULL PRIMARY KEY,
    not_before  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT '-infinity',
    next_slot   TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT '-infinity'
);

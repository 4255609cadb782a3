-- The event store appends through Axon's JDBC storage engine (issue 16), which leaves global_index to the database.
-- The JPA engine before it took the same sequence's next value itself, so events of both keep one order, and a node
-- still on the JPA engine during a rolling upgrade appends into the same sequence.
ALTER TABLE domain_event_entry ALTER COLUMN global_index SET DEFAULT nextval('domain_event_entry_seq');

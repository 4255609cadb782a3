-- The saga store writes through Axon's JDBC saga store (issue 16), which leaves an association's id to the database.
-- Hibernate took ids from this sequence in blocks of 50 (the sequence's value as the block's top); a plain nextval
-- takes one value that no such block holds, so ids stay unique even while nodes of both versions run.
ALTER TABLE association_value_entry ALTER COLUMN id SET DEFAULT nextval('association_value_entry_seq');

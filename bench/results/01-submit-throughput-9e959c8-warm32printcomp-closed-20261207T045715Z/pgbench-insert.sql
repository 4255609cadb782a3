\set r random(1, 2000000000)
insert into bench_insert(payload) values (md5(:r::text) || repeat('x', 468));

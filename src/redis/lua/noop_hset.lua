-- The benchmark's ceiling: the cheapest useful script, one HSET. KEYS: a hash. ARGV: field, value.
return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])

"""Development tools: the benchmark (``make bench``) and the schema-validity check the tests run."""

"""The token broker Lambda: exchanges a verified JWT identity for short-lived AWS credentials.

Entry point ``handler.handler``. Module map: ``handler`` (routes, error handling), ``events`` (event
access), ``claims`` (identity), ``payloads`` (request bodies), ``environment`` (the environment contract,
shared with the TokenBroker component), ``config`` (reading it), ``grants`` (authorization),
``credentials`` (STS AssumeRole), ``db_token`` (RDS IAM auth tokens), ``names`` (STS parameter limits),
``audit`` (audit lines), ``responses`` (HTTP responses), ``clients`` (boto3 clients). Standard library and
boto3 only.
"""

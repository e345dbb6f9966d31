"""The checks, one module per service area: ``network``, ``data_stores``, ``keys`` (keys and secrets),
``iam``, ``api`` (the token broker's routes) and ``edge`` (HTTP). Each module exports ``CHECKS``."""

"""sdkgen: a typed, vendorable Python SDK from a hand-maintained OpenAPI document."""

"""The catalogue: one module per derivation, and the registry."""


"""Contract test suites: every adapter of a port must pass its suite unchanged."""

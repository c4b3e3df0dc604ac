"""What test authors import: fixtures, hypothesis strategies, fakes and contract suites."""

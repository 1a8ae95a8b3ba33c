//! Table-driven tests of the region rules against aws-reference.md Part 3.

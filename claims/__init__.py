"""Claims: the unit of work, with claimants, appearances and matching."""

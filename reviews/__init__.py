"""Reviews: assignments of claims to fact-checkers, verdicts and their evidence."""

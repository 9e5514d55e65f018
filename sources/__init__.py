"""Sources: the articles, reports and posts in which claims appear."""

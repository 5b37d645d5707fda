"""Knowledge base: articles, help center, search."""

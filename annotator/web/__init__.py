"""Flask blueprints by audience (auth, annotate, admin, review, api) and their shared plumbing."""

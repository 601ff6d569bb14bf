"""Extension points other apps fill in their AppConfig.ready(), so articles imports none of them.

prepublish_checks: callables(article) -> list of warning strings.
publish_blockers: callables(article) -> warnings that refuse publishing until the editor
    confirms, on the change form, that the story was rewritten (articles/publishing.py).
publish_refusals: callables(article) -> reasons that refuse publishing outright, whatever is
    confirmed (editor-only text left in the story); the change form shows them on the body.
jsonld_extras: callables(article) -> dict merged into the article's JSON-LD.
detail_select_related: relations the reader's article page loads with the article (one query).
related_stories: callables(article) -> precomputed related article ids, nearest first, or None.
detail_loaders: callables(article) that read onto the article what its page shows, so
    the article, kept in the cache until the next public change, carries it.
"""

prepublish_checks = []
publish_blockers = []
publish_refusals = []
jsonld_extras = []
detail_select_related = []
related_stories = []
detail_loaders = []

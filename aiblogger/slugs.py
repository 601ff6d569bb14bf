def numbered_slug(base, taken):
    """base, or base-2, base-3 … whichever is not in taken."""
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug

from django import template

register = template.Library()


@register.simple_tag
def assist_suggestions(article):
    """The worker's section and tag suggestions for an article, minus what it already has,
    and the name of the section it is filed under, if any."""
    from django.core.exceptions import ObjectDoesNotExist

    if article is None or not article.pk:
        return {}
    try:
        suggestions = article.assist.suggestions or {}
    except ObjectDoesNotExist:
        return {}
    have = {tag.pk for tag in article.tags.all()}
    tags = [t for t in suggestions.get("tags", []) if t["id"] not in have]
    section = [s for s in suggestions.get("section", []) if s["id"] != article.section_id]
    if not (tags or section):
        return {}
    # A section someone already chose is named beside the suggestion, which then offers
    # a change of section, not a first choice.
    chosen = article.section.name if section and article.section_id else ""
    return {"tags": tags, "section": section, "chosen_section": chosen}


@register.simple_tag
def draft_sources(article):
    """The newswire items a draft was made from, for the editor's change form."""
    from newswire.drafts import sources_for

    if article is None or not article.pk:
        return []
    return sources_for(article)

from django.apps import AppConfig


class NewswireConfig(AppConfig):
    name = "newswire"
    verbose_name = "Newswire"

    def ready(self):
        from django.db.models.signals import post_save

        from articles import hooks
        from articles.models import Article

        from . import drafts, tasks

        hooks.prepublish_checks.append(drafts.headline_warnings)
        hooks.prepublish_checks.append(drafts.copy_warnings)
        hooks.publish_blockers.append(drafts.headline_warnings)
        hooks.publish_blockers.append(drafts.copy_warnings)
        hooks.prepublish_checks.append(drafts.editor_only_left)
        hooks.publish_refusals.append(drafts.editor_only_left)
        hooks.jsonld_extras.append(drafts.jsonld_is_based_on)
        hooks.detail_select_related.append("assist")
        hooks.related_stories.append(drafts.related_ids)
        hooks.detail_loaders.append(drafts.sources_for)
        post_save.connect(tasks.enqueue_article_assist, sender=Article, dispatch_uid="assist")

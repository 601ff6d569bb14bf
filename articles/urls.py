from django.urls import path

from . import views
from .pagecache import cache_public_page

app_name = "articles"

# Pages wrapped in cache_public_page are served from the public page cache
# (articles/pagecache.py says what is cached and when it is retired).
urlpatterns = [
    path("", cache_public_page(views.HomeView.as_view()), name="home"),
    path(
        "articles/<slug:slug>/",
        cache_public_page(views.ArticleDetailView.as_view()),
        name="detail",
    ),
    path("preview/<slug:token>/", views.preview_link, name="preview"),
    path("section/<slug:slug>/", cache_public_page(views.SectionView.as_view()), name="section"),
    path("tag/<slug:slug>/", cache_public_page(views.TagView.as_view()), name="tag"),
    path("author/<slug:slug>/", cache_public_page(views.AuthorView.as_view()), name="author"),
    path("search/", cache_public_page(views.SearchView.as_view()), name="search"),
]

"""The newsroom rules as one table: role x action x ownership x status."""

import pytest

from articles import policy
from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

STATUSES = ("draft", "review", "scheduled", "published")
ACTIONS = {
    "see": policy.can_see,
    "edit": policy.can_edit,
    "delete": policy.can_delete,
    "publish": policy.can_publish,
    "feature": policy.can_feature,
}
# Mirrors the role table in the README and in articles/policy.py.
#                      own article:                  someone else's:
#                      draft review scheduled pub.   draft review scheduled pub.
RULES = """
contributor  see       y     y      y         y      n     n      n         n
contributor  edit      y     y      n         n      n     n      n         n
contributor  delete    y     y      n         n      n     n      n         n
contributor  publish   n     n      n         n      n     n      n         n
contributor  feature   n     n      n         n      n     n      n         n
author       see       y     y      y         y      n     n      n         n
author       edit      y     y      y         y      n     n      n         n
author       delete    y     y      y         y      n     n      n         n
author       publish   y     y      y         y      n     n      n         n
author       feature   n     n      n         n      n     n      n         n
editor       see       y     y      y         y      y     y      y         y
editor       edit      y     y      y         y      y     y      y         y
editor       delete    y     y      y         y      y     y      y         y
editor       publish   y     y      y         y      y     y      y         y
editor       feature   y     y      y         y      y     y      y         y
"""


def cases():
    columns = [("own", status) for status in STATUSES] + [("others", s) for s in STATUSES]
    for line in RULES.strip().splitlines():
        role, action, *answers = line.split()
        for (ownership, status), answer in zip(columns, answers, strict=True):
            yield pytest.param(
                role, action, ownership, status, answer == "y",
                id=f"{role}-{action}-{ownership}-{status}",
            )  # fmt: skip


def article_in(status, **kwargs):
    if status in ("scheduled", "published"):
        kwargs[status] = True
    else:
        kwargs["status"] = status
    return ArticleFactory(**kwargs)


@pytest.mark.parametrize(("role", "action", "ownership", "status", "allowed"), list(cases()))
def test_newsroom_rules(request, role, action, ownership, status, allowed):
    user = request.getfixturevalue(role)
    article = article_in(status, authors=[user] if ownership == "own" else None)
    assert ACTIONS[action](user, article) is allowed


@pytest.mark.parametrize("role", ["contributor", "author", "editor"])
def test_only_publishers_may_choose_the_published_status(request, role):
    user = request.getfixturevalue(role)
    assert policy.can_set_status(user, "review")
    assert policy.can_set_status(user, "published") is (role != "contributor")

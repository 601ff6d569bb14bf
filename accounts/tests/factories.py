import factory
from django.contrib.auth.models import Group

from accounts.models import User

# Every factory user signs in with this password.
PASSWORD = "correct-horse-battery"  # noqa: S105

# A valid sign-up form, as a new reader fills it in.
SIGNUP = {
    "username": "newwriter",
    "display_name": "New Writer",
    "email": "new@example.com",
    "password1": "a-long-enough-passphrase",
    "password2": "a-long-enough-passphrase",
}


class UserFactory(factory.django.DjangoModelFactory):
    """A reader account; pass role="Contributor"/"Author"/"Editor" for newsroom staff."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.Faker("name")
    bio = factory.Faker("sentence")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.is_staff = True
            self.save(update_fields=["is_staff"])
            self.groups.add(Group.objects.get(name=extracted))

"""Language codes as the assistance compares them: `en-US`, `en_gb`, `EN` are all `en`.

Plain Python (no models), so ingest and the web workers may use it too.
"""

import re

_PRIMARY = re.compile(r"^[a-z]{2,3}$")


def normalise_language(code):
    """The primary ISO 639 subtag, lower case ("en-US" -> "en", "IT-it" -> "it"); "" if none."""
    primary = re.split(r"[-_\s.]", (code or "").strip().lower(), maxsplit=1)[0]
    return primary if _PRIMARY.match(primary) else ""

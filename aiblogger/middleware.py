"""Request plumbing for running behind Nginx."""

from django.conf import settings


class ForwardedClientIPMiddleware:
    """Put the reader's address, as the trusted proxies saw it, into REMOTE_ADDR.

    Nginx appends the address it saw to X-Forwarded-For, so with N trusted
    proxies the client is the N-th entry from the right; anything further left
    came from the client and may be forged. Axes' login throttling, Django's
    logs and gunicorn's access log all read REMOTE_ADDR (WSGI's environ is
    request.META), so fixing it here fixes them all.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.proxy_count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)

    def __call__(self, request):
        if self.proxy_count:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            if len(hops) >= self.proxy_count:
                request.META["REMOTE_ADDR"] = hops[-self.proxy_count]
        return self.get_response(request)

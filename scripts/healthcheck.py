"""The web container's health check (docker-compose.yml): GET /healthz from inside the container,
as gunicorn's own client. Exit 0 when it answers 200.

Plain HTTP on 127.0.0.1: /healthz is exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT),
and the Host sent is one the site serves (the first of ALLOWED_HOSTS), or Django refuses it.
"""

import os
import sys
import urllib.error
import urllib.request


def host() -> str:
    for name in os.environ.get("ALLOWED_HOSTS", "localhost").split(","):
        name = name.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
    request = urllib.request.Request(url, headers={"Host": host()})
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            print(response.read().decode(errors="replace"))
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:
        print(f"/healthz : HTTP {error.code} {error.read().decode(errors='replace')[:300]}")
    except OSError as error:
        print(f"/healthz : {error}")
    return 1


if __name__ == "__main__":
    sys.exit(main())

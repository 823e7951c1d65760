# The modulr image: every role of scripts/role.sh (docker-compose.yml picks one per service).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHON=python
WORKDIR /app
# One install step, cached while neither file changes: the Debian packages (LibreOffice,
# python3-uno, poppler, fonts, gettext) and the Python dependencies (`packages = []`: the
# project's own code is not installed, it runs from /app).
COPY scripts/install-system-deps.sh scripts/
COPY pyproject.toml .
RUN bash scripts/install-system-deps.sh && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir .
COPY . .
# Build steps only (no secret in the image): the settings want SECRET_KEY when DEBUG is off.
# The processes run as « modulr » (fixed uid/gid 10001: nginx reads the private files' volume
# with that group), who may write only var/ (this host's state) and the private files; the
# code stays root's, read-only to them.
RUN DEBUG=true python manage.py compilemessages -l fr -v0 \
    && DEBUG=true python manage.py collectstatic --noinput -v0 \
    && groupadd --system --gid 10001 modulr \
    && useradd --system --uid 10001 --gid modulr --create-home --home-dir /home/modulr \
       --shell /usr/sbin/nologin modulr \
    && mkdir -p var /srv/modulr/private \
    && chown -R modulr:modulr var /srv/modulr/private
USER modulr
EXPOSE 8000
# docker-compose.yml gives each service its role; alone, the image is a web host.
CMD ["scripts/role.sh", "web-host"]

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY scripts/install-system-deps.sh scripts/
RUN bash scripts/install-system-deps.sh && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml .
RUN pip install --no-cache-dir .
COPY . .
# Build steps only (no secret in the image): the settings want SECRET_KEY when DEBUG is off.
RUN pip install --no-cache-dir -e . && DEBUG=true python manage.py compilemessages -l fr \
    && DEBUG=true python manage.py collectstatic --noinput -v0
# The processes run as « modulr », who may write only var/ (converters' state) and the private
# files' volume; the code stays root's, read-only to them.
RUN useradd --system --create-home --home-dir /home/modulr --shell /usr/sbin/nologin modulr \
    && mkdir -p var /srv/modulr/private \
    && chown -R modulr:modulr var /srv/modulr/private
USER modulr
EXPOSE 8000
CMD ["gunicorn", "modulr.wsgi", "--bind", "0.0.0.0:8000"]

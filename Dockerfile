# The industry-credit service image. Migrations and set-up run in a separate one-shot container
# (see docker-compose.yml), so the app never races the schema.
FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 10001 app
COPY pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY migrations ./migrations
COPY data ./data
COPY deploy/bootstrap.sh ./deploy/bootstrap.sh
RUN pip install --no-cache-dir .
USER app
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
CMD ["industry-credit", "serve", "--host", "0.0.0.0", "--port", "8000"]

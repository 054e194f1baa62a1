# One image for every process (gateway, HTTP-only API, worker, migrate); the command picks the role.
FROM denoland/deno:2.9.6
WORKDIR /app
COPY deno.json deno.lock ./
COPY shared/ shared/
COPY gateway/ gateway/
COPY workers/ workers/
COPY scripts/ scripts/
COPY client/ client/
# Resolve and cache every npm dependency and bundle the web app at build time: nothing is
# fetched at run time.
RUN deno cache gateway/main.ts gateway/http_main.ts gateway/auth/argon2_worker.ts workers/main.ts \
    scripts/migrate.ts scripts/init_secret.ts \
  && deno task web:build
# The secrets volume takes this directory's ownership on first mount, so secret-init can run as deno.
RUN mkdir -p /secrets && chown deno:deno /secrets
USER deno
CMD ["deno", "run", "-A", "gateway/main.ts"]

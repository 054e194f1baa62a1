# One image for every process (gateway, HTTP-only API, worker, migrate); the command picks the role.
FROM denoland/deno:2.9.6
WORKDIR /app
COPY deno.json deno.lock ./
COPY protocol/ protocol/
COPY shared/ shared/
COPY gateway/ gateway/
COPY workers/ workers/
COPY scripts/ scripts/
COPY client/ client/
# The code belongs to root and stays read-only for the runtime user; only the web bundle's
# folder is handed to deno for the build step, and taken back after it.
RUN mkdir -p client/web/dist /secrets && chown deno:deno client/web/dist /secrets
# Resolve and cache every npm dependency and bundle the web app at build time (nothing is
# fetched at run time), as the user that runs the processes: a cache (DENO_DIR=/deno-dir,
# owned by deno) filled by root would be unwritable at run time, where deno still writes its
# transpile and analysis caches (the `deno run` healthcheck too). --frozen: the lock must match.
USER deno
RUN deno cache --frozen gateway/main.ts gateway/http_main.ts gateway/auth/argon2_worker.ts \
    workers/main.ts scripts/migrate.ts scripts/init_secret.ts scripts/healthcheck.ts \
  && deno task web:build
USER root
RUN chown -R root:root client/web/dist
# The secrets volume takes /secrets' ownership (deno) on first mount, so secret-init runs as deno.
USER deno
CMD ["deno", "run", "-A", "gateway/main.ts"]

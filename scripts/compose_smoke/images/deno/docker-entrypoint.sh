#!/bin/sh
# As the official image's _entry.sh: a deno subcommand or option runs deno, anything else runs as is.
set -e
if [ "$1" != "${1#-}" ]; then
  exec deno "$@"
fi
case "$1" in
  bench | bundle | cache | check | clean | compile | completions | coverage | doc | eval | fmt | help | info | init | install | jupyter | lint | lsp | publish | repl | run | serve | task | test | types | uninstall | upgrade | vendor)
    exec deno "$@" ;;
esac
exec "$@"

#!/usr/bin/env bash
# Regenerates docs/examples/briefing-*.{txt,json,telegram-parts.json,discord-parts.json} with
# `herald preview` over the example feeds (the commands listed in docs/examples/README.md).
# Run from the repository root: bash scripts/example-briefings.sh
set -euo pipefail
herald() { npx tsx src/cli.ts "$@"; }
out=docs/examples
for language in en ja; do
  if [ "$language" = en ]; then args=(--tz Europe/London --date 2025-03-12 --window 72); else args=(--tz Asia/Tokyo --date 2025-03-12 --window 96); fi
  feeds=("$out"/feeds/"$language"/*.xml)
  herald preview "${feeds[@]}" "${args[@]}" > "$out/briefing-$language.txt"
  herald preview "${feeds[@]}" "${args[@]}" --format json > "$out/briefing-$language.json"
  herald preview "${feeds[@]}" "${args[@]}" --format telegram --parts-json > "$out/briefing-$language.telegram-parts.json"
  herald preview "${feeds[@]}" "${args[@]}" --format discord --parts-json > "$out/briefing-$language.discord-parts.json"
done
echo "wrote $out/briefing-{en,ja}.*"

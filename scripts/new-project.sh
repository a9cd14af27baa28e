#!/usr/bin/env bash
# usage: scripts/new-project.sh libs|apps <name> "<tags comma separated>" [dep ...]
# Creates the package.json/tsconfig.json shape every project here shares.
set -euo pipefail
kind="$1"; name="$2"; tags="$3"; shift 3
dir="$kind/$name"
mkdir -p "$dir/src"
deps=""; refs=""
for d in "$@"; do
  deps="$deps\"@mail/$d\": \"*\","
  refs="$refs{ \"path\": \"../../libs/$d\" },"
done
deps="${deps%,}"; refs="${refs%,}"
tagjson=$(printf '%s' "$tags" | awk -F, '{for(i=1;i<=NF;i++){printf "%s\"%s\"", (i>1?", ":""), $i}}')
main="dist/index.js"; [ "$kind" = apps ] && main="dist/main.js"
cat > "$dir/package.json" <<JSON
{
  "name": "@mail/$name",
  "version": "0.0.0",
  "private": true,
  "main": "$main",
  "types": "${main%.js}.d.ts",
  "scripts": {
    "build": "tsc -b",
    "test": "node --test --test-reporter=spec \"dist/**/*.spec.js\"",
    "lint": "eslint src"
  },
  "dependencies": { $deps },
  "nx": { "tags": [$tagjson] }
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "tsBuildInfoFile": "dist/.tsbuildinfo" },
  "include": ["src/**/*.ts"],
  "references": [$refs]
}
JSON
[ -f "$dir/src/index.ts" ] || [ "$kind" = apps ] || echo "export {};" > "$dir/src/index.ts"
echo "created $dir"

#!/usr/bin/env bash
# Re-create the vendored Swagger UI and ReDoc assets in app/static/ from the npm registry.
# Needs only node/npm. Versions are pinned here and recorded (with sha256) in app/static/ASSETS.md.
# Usage: bash scripts/vendor-docs-assets.sh
set -euo pipefail

SWAGGER_UI_DIST_VERSION="5.35.0"
REDOC_VERSION="2.5.4"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# npm pack downloads the tarball only (no dependency install, no lifecycle scripts).
(cd "$tmp" && npm pack --silent "swagger-ui-dist@${SWAGGER_UI_DIST_VERSION}" "redoc@${REDOC_VERSION}" >/dev/null)
mkdir -p "$tmp/swagger" "$tmp/redoc"
tar -xzf "$tmp/swagger-ui-dist-${SWAGGER_UI_DIST_VERSION}.tgz" -C "$tmp/swagger"
tar -xzf "$tmp/redoc-${REDOC_VERSION}.tgz" -C "$tmp/redoc"

swagger_dir="$root/app/static/swagger-ui"
redoc_dir="$root/app/static/redoc"
mkdir -p "$swagger_dir" "$redoc_dir"
# Files are copied byte for byte (no source maps), so their sha256 can be checked against the npm tarballs.
# The licence files go along: Apache-2.0 (swagger-ui) asks for LICENSE and NOTICE to be redistributed.
for f in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE swagger-ui-bundle.js.LICENSE.txt; do
  install -m 0644 "$tmp/swagger/package/$f" "$swagger_dir/$f"
done
install -m 0644 "$tmp/redoc/package/bundles/redoc.standalone.js" "$redoc_dir/redoc.standalone.js"
install -m 0644 "$tmp/redoc/package/bundles/redoc.standalone.js.LICENSE.txt" "$redoc_dir/redoc.standalone.js.LICENSE.txt"
install -m 0644 "$tmp/redoc/package/LICENSE" "$redoc_dir/LICENSE"

echo "swagger-ui-dist@${SWAGGER_UI_DIST_VERSION}, redoc@${REDOC_VERSION}"
(cd "$root" && sha256sum app/static/swagger-ui/* app/static/redoc/*)
du -ch "$swagger_dir" "$redoc_dir" | tail -1

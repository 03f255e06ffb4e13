#!/usr/bin/env bash
# Reproduce the vendored front-end assets from the npm registry.
# Needs node/npm only when you run it; building and testing the site never does.
# Usage: bash tools/vendor.sh
set -euo pipefail
KATEX=0.16.47
MERMAID=11.17.2
AXE=4.14.1

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "katex@$KATEX" "mermaid@$MERMAID" "axe-core@$AXE" >/dev/null
for t in *.tgz; do mkdir -p "${t%.tgz}"; tar xzf "$t" -C "${t%.tgz}"; done

k="$root/docs/assets/vendor/katex"
rm -rf "$k"; mkdir -p "$k/contrib" "$k/fonts"
cp "katex-$KATEX/package/dist/katex.min.js" "katex-$KATEX/package/dist/katex.min.css" "$k/"
cp "katex-$KATEX/package/dist/contrib/auto-render.min.js" "$k/contrib/"
# Browsers that run the site all take woff2, the first format in KaTeX's @font-face lists.
cp katex-$KATEX/package/dist/fonts/*.woff2 "$k/fonts/"
cp "katex-$KATEX/package/LICENSE" "$k/LICENSE"
echo "katex $KATEX (npm)" > "$k/VERSION"

m="$root/docs/assets/vendor/mermaid"
rm -rf "$m"; mkdir -p "$m"
cp "mermaid-$MERMAID/package/dist/mermaid.min.js" "$m/"
cp "mermaid-$MERMAID/package/LICENSE" "$m/LICENSE"
echo "mermaid $MERMAID (npm)" > "$m/VERSION"

a="$root/tests/vendor/axe-core"
rm -rf "$a"; mkdir -p "$a"
cp "axe-core-$AXE/package/axe.min.js" "$a/"
cp "axe-core-$AXE/package/LICENSE" "$a/LICENSE"
echo "axe-core $AXE (npm)" > "$a/VERSION"
echo "vendored katex $KATEX, mermaid $MERMAID, axe-core $AXE"

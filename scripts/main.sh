#!/usr/bin/env bash
# The main job: set up, build and validate the graph (dist/), load the embedded store, answer the
# showcase questions, and write the HTML views, a chart and the ontology reference into out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
kg=.venv/bin/kg

echo "== build and validate"
$kg build

echo "== showcase questions (the embedded store is loaded on first use)"
$kg query claims-per-source
$kg query education-groups
$kg query cities-by-indicator --param indicator=ind:high-skilled-talent-total
$kg query honour-holders --lang en
$kg query multi-source-facts
$kg query disagreements
$kg query province-vs-cities
$kg describe 兖矿能源

echo "== views, chart, ontology reference (open them from out/ in any browser, offline)"
mkdir -p out/views
for view in membership partnership honours all; do
  $kg viz "$view" -o "out/views/$view.html"
done
$kg viz city --city 潍坊 -o out/views/city-weifang.html
$kg chart ind:skilled-talent-total -o out/views/chart-skilled-talent-total.html
$kg docs -o out/ontology.html
$kg stats
echo "done: dist/ holds the graph (TriG, N-Quads, Turtle, JSON-LD); out/ holds the pages"

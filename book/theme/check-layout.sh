#!/bin/sh
# Renders every page of the built book in headless Chromium, 1280 px wide, and lists each block
# that does not fit its page: code or output wider than its box (a reader would have to scroll
# sideways, or would not see the end of the line), a table or picture wider than the text column.
#
#   mdbook build book && book/theme/check-layout.sh book/book [WIDTH]
#
# Needs Chromium (Debian: `apt-get install chromium`). Prints one line per problem and exits 1 if
# there is any; prints how many pages and blocks it checked and exits 0 if there is none.
# It works on copies of the pages with a small script added; the built book is left as it was.
set -eu

book=${1:?usage: check-layout.sh BUILT_BOOK_DIR [WIDTH]}
width=${2:-1280}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "check-layout.sh: Chromium not found; install it (Debian: apt-get install chromium)" >&2
    exit 2
fi

probe='<script>
window.addEventListener("load", () => document.fonts.ready.then(() => {
  const main = document.querySelector("main");
  const limit = main.getBoundingClientRect().right + 1;
  const problems = [];
  let checked = 0;
  for (const el of main.querySelectorAll("pre, pre > code, table, img, p, li, h1, h2, h3")) {
    checked += 1;
    const box = el.getBoundingClientRect();
    const what = el.tagName.toLowerCase() + " \"" +
      (el.textContent || el.getAttribute("src") || "").trim().slice(0, 60).replace(/\s+/g, " ") + "\"";
    if (el.scrollWidth > el.clientWidth + 1) {
      problems.push(what + " is " + el.scrollWidth + " px wide in a box of " + el.clientWidth);
    } else if (box.right > limit) {
      problems.push(what + " ends at " + Math.round(box.right) + " px, past the text column (" + Math.round(limit) + ")");
    }
  }
  const result = document.createElement("pre");
  result.id = "layout-check";
  result.textContent = "checked " + checked + "\n" + problems.join("\n");
  document.body.appendChild(result);
}));
</script>'

tmp_suffix=".layout-check.html"
probe_file=$(mktemp)
trap 'rm -f "$probe_file"' EXIT
printf '%s\n' "$probe" >"$probe_file"
status=0
pages=0
blocks=0
for page in "$book"/*.html; do
    case $page in *"$tmp_suffix" | */print.html | */toc.html | */404.html) continue ;; esac
    copy="${page%.html}$tmp_suffix"
    awk -v f="$probe_file" '/<\/body>/ { while ((getline line < f) > 0) print line; close(f) }
        { print }' "$page" >"$copy"
    profile=$(mktemp -d)
    dom=$("$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --window-size="$width",2000 --virtual-time-budget=5000 \
        --dump-dom "file://$(realpath "$copy")" 2>/dev/null || true)
    rm -rf "$profile" "$copy"
    report=$(printf '%s\n' "$dom" | sed -n '/<pre id="layout-check">/,/<\/pre>/p' |
        sed -e 's/<pre id="layout-check">//' -e 's/<\/pre>.*//')
    if [ -z "$report" ]; then
        echo "$(basename "$page"): the check did not run (no result in the page)"
        status=1
        continue
    fi
    pages=$((pages + 1))
    blocks=$((blocks + $(printf '%s\n' "$report" | sed -n 's/^checked //p')))
    printf '%s\n' "$report" | sed -e '/^checked /d' -e '/^$/d' -e "s|^|$(basename "$page"): |" |
        sed -e 's/&quot;/"/g' -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g' >"$book/.layout-problems"
    if [ -s "$book/.layout-problems" ]; then
        cat "$book/.layout-problems"
        status=1
    fi
    rm -f "$book/.layout-problems"
done
if [ "$status" -eq 0 ]; then
    echo "check-layout.sh: $pages pages, $blocks blocks, all fit at $width px"
fi
exit "$status"
